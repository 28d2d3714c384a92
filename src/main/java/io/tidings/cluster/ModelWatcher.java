package io.tidings.cluster;

import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.postgresql.api.PostgresqlResult;
import io.tidings.store.Sql;
import io.tidings.util.Loop;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * Loads model versions trained elsewhere. Stored versions are announced with NOTIFY (a trigger of
 * migration V5); this replica LISTENs on a dedicated connection, re-listening after drops, and also
 * checks the newest stored version on a timer, since a notification is only a hint.
 */
final class ModelWatcher {

    private static final Logger log = LoggerFactory.getLogger(ModelWatcher.class);
    static final String CHANNEL = "tidings_model_versions";
    /** Reading and loading a stored model (its rows can be large) may take this long before the check gives up. */
    private static final Duration LOAD_TIMEOUT = Duration.ofMinutes(10);

    private final Supplier<Mono<PostgresqlConnection>> direct;
    private final Sql sql;
    private final Duration check;
    private final LongSupplier current;
    private final Supplier<Mono<?>> reload;

    ModelWatcher(Supplier<Mono<PostgresqlConnection>> direct, Sql sql, Duration check, LongSupplier current,
                 Supplier<Mono<?>> reload) {
        this.direct = direct;
        this.sql = sql;
        this.check = check;
        this.current = current;
        this.reload = reload;
    }

    /**
     * Versions announced by NOTIFY, for as long as subscribed; reconnects and re-listens after drops. Each time it
     * starts listening it first emits 0 ("look now"): a version stored while no one listened was announced to no one.
     */
    Flux<Long> announced() {
        return Flux.usingWhen(direct.get(),
                        c -> c.createStatement("LISTEN " + CHANNEL).execute()
                                .flatMap(PostgresqlResult::getRowsUpdated)
                                .thenMany(Flux.concat(Mono.just(0L),
                                        c.getNotifications().map(n -> parse(n.getParameter())))),
                        c -> c.close().onErrorResume(e -> Mono.empty()))
                .repeatWhen(done -> done.delayElements(Duration.ofSeconds(1))) // the connection closed: listen again
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1)).maxBackoff(Duration.ofSeconds(30))
                        .doBeforeRetry(s -> log.warn("model announcements lost, listening again: {}", s.failure().toString())));
    }

    Mono<Long> newestStored() {
        return sql.one("SELECT coalesce(max(id), 0) AS id FROM model_versions", r -> r.get("id", Long.class));
    }

    Disposable start(io.micrometer.core.instrument.MeterRegistry meters) {
        // an announcement only says "look": what is stored decides, so a lost or repeated NOTIFY does no harm
        return Loop.named("model-watch").every(check).timeout(LOAD_TIMEOUT).wakeUps(announced())
                .meters(meters).start(() -> newestStored().filter(v -> v > current.getAsLong()).flatMap(v -> reload.get()));
    }

    private static long parse(String payload) {
        try {
            return Long.parseLong(payload);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // not ours to judge: look at what is stored
        }
    }
}
