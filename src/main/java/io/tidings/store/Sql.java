package io.tidings.store;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Statement;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A thin helper over an R2DBC connection factory: run one statement on a pooled connection and
 * release it, whatever happens. Binds are positional ({@code $1, $2, …}); a Java {@code null} must be
 * passed as {@link #nullOf(Class)} so the driver knows its type.
 */
public final class Sql {

    private final ConnectionFactory connections;

    Sql(ConnectionFactory connections) {
        this.connections = connections;
    }

    /** A typed SQL NULL for a bind position. */
    public record Null(Class<?> type) {}

    public static Null nullOf(Class<?> type) {
        return new Null(type);
    }

    public <T> Flux<T> query(String sql, Function<Readable, T> mapper, Object... binds) {
        return Flux.usingWhen(connections.create(),
                c -> Flux.from(bind(c.createStatement(sql), binds).execute())
                        .concatMap(result -> result.map(mapper::apply)),
                Connection::close)
                .checkpoint("sql " + firstWords(sql));
    }

    public <T> Mono<T> one(String sql, Function<Readable, T> mapper, Object... binds) {
        return query(sql, mapper, binds).next();
    }

    /** Runs an update and returns the number of rows it changed. */
    public Mono<Long> update(String sql, Object... binds) {
        return Flux.usingWhen(connections.create(),
                c -> Flux.from(bind(c.createStatement(sql), binds).execute())
                        .concatMap(result -> result.getRowsUpdated()),
                Connection::close)
                .reduce(0L, Long::sum)
                .checkpoint("sql " + firstWords(sql));
    }

    /** Runs {@code work} inside one transaction on one connection. */
    public <T> Flux<T> inTransaction(Function<Connection, Flux<T>> work) {
        return Flux.usingWhen(connections.create(),
                c -> Flux.from(c.beginTransaction())
                        .thenMany(work.apply(c))
                        .concatWith(Flux.from(c.commitTransaction()).then(Mono.empty()))
                        .onErrorResume(e -> Flux.from(c.rollbackTransaction()).then(Mono.error(e))),
                Connection::close);
    }

    static Statement bind(Statement statement, Object... binds) {
        for (int i = 0; i < binds.length; i++) {
            Object v = binds[i];
            if (v instanceof Null n) {
                statement.bindNull(i, n.type());
            } else if (v == null) {
                throw new IllegalArgumentException("bind $" + (i + 1) + " is null: use Sql.nullOf(type)");
            } else {
                statement.bind(i, v);
            }
        }
        return statement;
    }

    private static String firstWords(String sql) {
        String s = sql.strip().replaceAll("\\s+", " ");
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}
