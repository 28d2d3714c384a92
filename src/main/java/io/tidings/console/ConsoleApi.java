package io.tidings.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.tidings.ingest.Catalogue;
import io.tidings.render.PostRenderer;
import io.tidings.store.ChannelRepository;
import io.tidings.store.PostRepository;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import reactor.core.publisher.Mono;

/**
 * The console's JSON views ({@code GET /console/api/<view>}) and actions ({@code POST /console/api/<action>}): which
 * path is which view or action. The views read {@link ConsoleStore}; the reader inspector, the model and quality views
 * and composing broadcasts are {@link ReaderInspector}, {@link ModelViews} and {@link BroadcastComposer}. Each action is
 * written to the audit table with the operator who did it.
 */
public final class ConsoleApi {

    /** A request the console cannot carry out as asked: answered 400 with the message. */
    public static final class BadRequest extends RuntimeException {
        public BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * One post in a reader's candidate set, as the ranker holds it: the model's score, the exploration noise, the
     * reader's penalty factor for the channel ("less" presses) and the key it is ranked by
     * ({@code score · penaltyFactor + noise}).
     */
    public record Candidate(long postId, long channelId, float score, float noise, float penaltyFactor, float key) {}

    /**
     * What only the running replica knows: a reader's candidates, the configured send rate, the 429s it saw and the
     * model version it serves, and its broadcast loop, which schedules a broadcast (the bot's /broadcast does the same)
     * and starts one due now at once.
     */
    public record Live(LongFunction<List<Candidate>> candidates, DoubleSupplier sendRate, LongSupplier rateLimited,
                       LongSupplier modelVersion, BroadcastScheduler broadcasts) {
        public static Live none() {
            return new Live(r -> List.of(), () -> 0, () -> 0, () -> 0,
                    (post, at, operator) -> Mono.error(new IllegalStateException("no broadcast loop here")));
        }
    }

    /** Schedules {@code postId} for every active reader at {@code at}; emits the broadcast's id. */
    @FunctionalInterface
    public interface BroadcastScheduler {
        Mono<Long> schedule(long postId, Instant at, long operator);
    }

    private final ConsoleStore store;
    private final Catalogue catalogue;
    private final Live live;
    private final BroadcastComposer broadcasts;
    private final ReaderInspector inspector;
    private final ModelViews models;

    public ConsoleApi(ConsoleStore store, Catalogue catalogue, PostRepository posts, ChannelRepository channels,
                      PostRenderer renderer, Live live) {
        this.store = store;
        this.catalogue = catalogue;
        this.live = live;
        this.broadcasts = new BroadcastComposer(store, posts, channels, renderer, live.broadcasts());
        this.inspector = new ReaderInspector(store, live.candidates());
        this.models = new ModelViews(store, live.modelVersion());
    }

    /** A view, or {@link #NOT_FOUND}. */
    public Mono<Object> get(String path, String query) {
        String[] parts = path.split("/");
        Mono<?> view = switch (parts[0]) {
            case "overview" -> store.overview().map(m -> {
                m.put("send_rate_limit", live.sendRate().getAsDouble());
                m.put("rate_limited_429", live.rateLimited().getAsLong());
                m.put("model_version", live.modelVersion().getAsLong());
                m.put("at", Instant.now().toString());
                return m;
            });
            case "quality" -> store.quality().map(ModelViews::qualityByKindAndVersion);
            case "model" -> models.model();
            case "channels" -> store.channels().map(m -> m);
            case "readers" -> parts.length == 1
                    ? store.findReaders(Optional.ofNullable(Console.queryParam(query, "q")).orElse("")).map(l -> Map.of("readers", l))
                    : inspector.inspect(id(parts[1]));
            case "broadcasts" -> store.broadcasts().map(l -> Map.of("broadcasts", l));
            case "preview" -> broadcasts.preview(Console.queryParam(query, "post"), Console.queryParam(query, "text"),
                    Optional.ofNullable(Console.queryParam(query, "lang")).orElse("en"));
            case "audit" -> store.audit().map(l -> Map.of("audit", l));
            default -> Mono.just(NOT_FOUND);
        };
        return view.map(o -> (Object) o).defaultIfEmpty(NOT_FOUND);
    }

    /** What {@link #get} and {@link #post} emit for a path that names no view or action, or an unknown id. */
    static final Object NOT_FOUND = new Object();

    /** An action by {@code operator}, audited; null when there is no such action. */
    Mono<Object> post(String path, JsonNode body, long operator) {
        String[] p = path.split("/");
        Mono<Map<String, Object>> done = switch (p.length == 3 ? p[0] + "/" + p[2] : p.length == 1 ? p[0] : "") {
            case "channels/approve" -> catalogue.approve(p[1]).flatMap(ok -> audited(operator, "approve_channel", p[1], null, ok));
            case "channels/reject" -> catalogue.reject(p[1]).flatMap(ok -> audited(operator, "reject_channel", p[1], null, ok));
            case "readers/ban" -> store.ban(id(p[1]), operator).flatMap(ok -> audited(operator, "ban_reader", p[1], null, ok));
            case "readers/unban" -> store.unban(id(p[1])).flatMap(ok -> audited(operator, "unban_reader", p[1], null, ok));
            case "broadcasts/cancel" -> store.cancelBroadcast(id(p[1]))
                    .flatMap(ok -> audited(operator, "cancel_broadcast", p[1], null, ok));
            case "broadcasts" -> broadcasts.schedule(body, operator);
            default -> null;
        };
        return done == null ? Mono.just(NOT_FOUND) : done.map(m -> (Object) m);
    }

    private Mono<Map<String, Object>> audited(long operator, String action, String target, String detail, boolean changed) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("changed", changed);
        if (!changed) return Mono.just(out);
        return store.audit(operator, action, target, detail).thenReturn(out);
    }

    private static long id(String s) {
        long id = ConsoleStore.parseLongOr(s, Long.MIN_VALUE);
        if (id == Long.MIN_VALUE) throw new BadRequest("not an id: " + s);
        return id;
    }
}
