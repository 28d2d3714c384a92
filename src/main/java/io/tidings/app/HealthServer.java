package io.tidings.app;

import io.tidings.store.Database;
import java.time.Duration;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** {@code /healthz} (the process answers) and {@code /readyz} (the database answers) for probes. */
final class HealthServer {

    private final Database db;
    private volatile DisposableServer server;

    HealthServer(Database db) {
        this.db = db;
    }

    Disposable start(int port) {
        server = HttpServer.create().host("0.0.0.0").port(port)
                .route(r -> r
                        .get("/healthz", (req, res) -> res.sendString(Mono.just("ok\n")))
                        .get("/readyz", (req, res) -> db.sql().one("SELECT 1 AS one", row -> row.get("one", Integer.class))
                                .timeout(Duration.ofSeconds(2))
                                .flatMap(x -> res.sendString(Mono.just("ready\n")).then())
                                .onErrorResume(e -> res.status(503).sendString(Mono.just("database unreachable\n")).then())))
                .bindNow(Duration.ofSeconds(10));
        return server;
    }

    int port() {
        return server == null ? -1 : server.port();
    }
}
