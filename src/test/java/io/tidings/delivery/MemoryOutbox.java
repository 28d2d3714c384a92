package io.tidings.delivery;

import io.tidings.store.DeliveryRepository.Expired;
import io.tidings.store.DeliveryRepository.Outcome;
import io.tidings.store.DeliveryRepository.Outgoing;
import io.tidings.store.Post;
import io.tidings.store.PostKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The outbox's state machine in memory, with the same rules as {@code DeliveryRepository} (claims by
 * owner, "sending" only from the owner's claim, hand-backs only of the owner's rows), so the sender can run
 * on virtual time. Thread-safe by a lock: it answers at once, on the caller's thread.
 */
final class MemoryOutbox implements Outbox {

    static final class Row {
        final long id;
        final long reader;
        String state = "queued";
        String owner;
        String error;
        int attempts;
        int partsSent;

        Row(long id, long reader) {
            this.id = id;
            this.reader = reader;
        }
    }

    private final Map<Long, Row> rows = new LinkedHashMap<>();
    private long nextId = 1;

    synchronized long enqueue(long reader) {
        long id = nextId++;
        rows.put(id, new Row(id, reader));
        return id;
    }

    synchronized List<Row> rows() {
        return List.copyOf(rows.values());
    }

    synchronized long count(String state) {
        return rows.values().stream().filter(r -> r.state.equals(state)).count();
    }

    @Override
    public synchronized Flux<Outgoing> claim(String owner, Duration lease, int limit) {
        List<Outgoing> out = new ArrayList<>();
        for (Row r : rows.values()) {
            if (out.size() == limit) break;
            if (!r.state.equals("queued")) continue;
            r.state = "claimed";
            r.owner = owner;
            r.attempts++;
            out.add(new Outgoing(r.id, r.reader, "en", post(r.id), r.attempts, r.partsSent));
        }
        return Flux.fromIterable(out);
    }

    @Override
    public synchronized Flux<Long> markSending(Long[] ids, String owner, Duration lease) {
        List<Long> mine = new ArrayList<>();
        for (Long id : ids) {
            Row r = rows.get(id);
            if (r != null && owner.equals(r.owner) && r.state.equals("claimed")) {
                r.state = "sending";
                mine.add(id);
            }
        }
        return Flux.fromIterable(mine);
    }

    @Override
    public synchronized Mono<Long> record(List<Outcome> outcomes, String owner) {
        long n = 0;
        for (Outcome o : outcomes) {
            Row r = rows.get(o.id());
            if (r == null || !owner.equals(r.owner) || !r.state.equals("sending")) continue;
            r.state = o.state().sql();
            r.error = o.error();
            r.owner = null;
            n++;
        }
        return Mono.just(n);
    }

    @Override
    public synchronized Mono<Long> requeue(long id, String owner, Duration delay, int partsSent) {
        Row r = rows.get(id);
        if (r == null || !owner.equals(r.owner) || !r.state.equals("sending")) return Mono.just(0L);
        r.state = "queued";
        r.owner = null;
        r.partsSent = partsSent;
        return Mono.just(1L);
    }

    @Override
    public synchronized Mono<Long> release(Long[] claimed, Long[] sending, Integer[] partsSent, String owner) {
        return Mono.just(release(claimed, "claimed", owner) + release(sending, "sending", owner));
    }

    private long release(Long[] ids, String state, String owner) {
        long n = 0;
        for (Long id : ids) {
            Row r = rows.get(id);
            if (r != null && owner.equals(r.owner) && r.state.equals(state)) {
                r.state = "queued";
                r.owner = null;
                n++;
            }
        }
        return n;
    }

    @Override
    public synchronized Mono<Long> readerUnreachable(long reader) {
        long n = 0;
        for (Row r : rows.values()) {
            if (r.reader == reader && (r.state.equals("queued") || r.state.equals("claimed"))) {
                r.state = "failed";
                r.error = "unreachable";
                n++;
            }
        }
        return Mono.just(n);
    }

    @Override
    public Mono<Expired> expireLeases() {
        return Mono.just(new Expired(0, 0));
    }

    private static Post post(long id) {
        return new Post(id, 1, "news", "News", id, Instant.EPOCH, PostKind.TEXT, "post " + id, "post " + id, List.of(), 0, null);
    }
}
