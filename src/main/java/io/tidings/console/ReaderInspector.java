package io.tidings.console;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A reader as the console inspects them: their row, their candidates in ranking order (score, exploration noise,
 * penalty factor, the key they rank by) with the posts' channel and text, penalties, recent deliveries and votes.
 */
final class ReaderInspector {

    private final ConsoleStore store;
    private final LongFunction<List<ConsoleApi.Candidate>> candidatesOf;

    ReaderInspector(ConsoleStore store, LongFunction<List<ConsoleApi.Candidate>> candidates) {
        this.store = store;
        this.candidatesOf = candidates;
    }

    /** The inspector of {@code reader}; empty when there is no such reader. */
    Mono<Object> inspect(long reader) {
        // the ranker's candidate sets are read under their locks, never on an event loop (the database's emits here)
        return store.reader(reader).flatMap(r -> Mono.fromCallable(() -> candidatesOf.apply(reader))
                .subscribeOn(Schedulers.boundedElastic()).flatMap(candidates -> {
            long[] ids = candidates.stream().mapToLong(ConsoleApi.Candidate::postId).toArray();
            return Mono.zip(store.postsById(ids), store.penalties(reader), store.recentDeliveries(reader), store.recentVotes(reader))
                    .map(t -> {
                        Map<Long, Map<String, Object>> byId = new HashMap<>();
                        t.getT1().forEach(p -> byId.put(((Number) p.get("id")).longValue(), p));
                        Map<Long, Object> penalty = new HashMap<>();
                        t.getT2().forEach(p -> penalty.put(((Number) p.get("channel_id")).longValue(), p.get("weight")));
                        List<Map<String, Object>> list = new ArrayList<>();
                        int rank = 1;
                        for (ConsoleApi.Candidate c : candidates) {
                            Map<String, Object> m = new LinkedHashMap<>();
                            Map<String, Object> p = byId.getOrDefault(c.postId(), Map.of());
                            m.put("rank", rank++);
                            m.put("post_id", c.postId());
                            m.put("channel", p.get("channel"));
                            m.put("text", p.get("text"));
                            m.put("score", c.score());
                            m.put("noise", c.noise());
                            m.put("penalty_factor", c.penaltyFactor());
                            m.put("key", c.key());
                            m.put("less_weight", penalty.getOrDefault(c.channelId(), 0));
                            list.add(m);
                        }
                        Map<String, Object> out = new LinkedHashMap<>();
                        out.put("reader", r);
                        out.put("candidates", list);
                        out.put("penalties", t.getT2());
                        out.put("deliveries", t.getT3());
                        out.put("votes", t.getT4());
                        return out;
                    });
        }));
    }
}
