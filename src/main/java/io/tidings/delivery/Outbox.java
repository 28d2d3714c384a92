package io.tidings.delivery;

import io.tidings.store.DeliveryRepository;
import io.tidings.store.DeliveryRepository.Expired;
import io.tidings.store.DeliveryRepository.Outgoing;
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

    /** Records outcomes: an empty error means sent with that message id. */
    Mono<Long> record(Long[] ids, Long[] messageIds, String[] errors);

    /** Back to the queue, due after {@code delay} (a 5xx: nothing was sent). */
    Mono<Long> requeue(long id, Duration delay);

    /** Back to the queue at once: claimed ones not marked, and marked ones never handed to Telegram. */
    Mono<Long> release(Long[] claimed, Long[] sending, String owner);

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
            @Override public Mono<Long> record(Long[] ids, Long[] messageIds, String[] errors) {
                return deliveries.recordOutcomes(ids, messageIds, errors);
            }
            @Override public Mono<Long> requeue(long id, Duration delay) {
                return deliveries.requeue(id, delay);
            }
            @Override public Mono<Long> release(Long[] claimed, Long[] sending, String owner) {
                return deliveries.release(claimed, sending, owner);
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
