package io.tidings.delivery;

import io.tidings.store.DeliveryRepository;
import io.tidings.store.DeliveryRepository.Expired;
import io.tidings.store.DeliveryRepository.Outcome;
import io.tidings.store.DeliveryRepository.Outgoing;
import java.util.List;
import io.tidings.store.ReaderRepository;
import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What the sender reads and writes in the outbox, in batches: a few statements a second whatever the
 * rate. {@link #of} is the database; a test may give its own to run the sender on virtual time.
 */
interface Outbox {

    /** Claims up to {@code limit} due deliveries under a lease (see {@link DeliveryRepository#claim}). */
    Flux<Outgoing> claim(String owner, Duration lease, int limit);

    /** Marks claimed deliveries "sending"; emits those still this owner's. */
    Flux<Long> markSending(Long[] ids, String owner, Duration lease);

    /** Records outcomes of rows this owner is sending. */
    Mono<Long> record(List<Outcome> outcomes, String owner);

    /** Back to the queue, due after {@code delay}, with the parts already sent: only what provably did not leave. */
    Mono<Long> requeue(long id, String owner, Duration delay, int partsSent);

    /** Back to the queue at once: claimed ones not marked, and marked ones never handed to Telegram (with their parts sent). */
    Mono<Long> release(Long[] claimed, Long[] sending, Integer[] partsSent, String owner);

    /** The reader blocked the bot (or is gone): mark them and drop their queued deliveries. */
    Mono<Long> readerUnreachable(long reader);

    Mono<Expired> expireLeases();

    static Outbox of(DeliveryRepository deliveries, ReaderRepository readers) {
        return new Outbox() {
            @Override public Flux<Outgoing> claim(String owner, Duration lease, int limit) {
                return deliveries.claim(owner, lease, limit);
            }
            @Override public Flux<Long> markSending(Long[] ids, String owner, Duration lease) {
                return deliveries.markSending(ids, owner, lease);
            }
            @Override public Mono<Long> record(List<Outcome> outcomes, String owner) {
                return deliveries.recordOutcomes(outcomes, owner);
            }
            @Override public Mono<Long> requeue(long id, String owner, Duration delay, int partsSent) {
                return deliveries.requeue(id, owner, delay, partsSent);
            }
            @Override public Mono<Long> release(Long[] claimed, Long[] sending, Integer[] partsSent, String owner) {
                return deliveries.release(claimed, sending, partsSent, owner);
            }
            @Override public Mono<Long> readerUnreachable(long reader) {
                return readers.markUnreachable(reader).then(deliveries.dropQueued(reader, "unreachable"));
            }
            @Override public Mono<Expired> expireLeases() {
                return deliveries.expireLeases();
            }
        };
    }
}
