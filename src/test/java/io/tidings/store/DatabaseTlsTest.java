package io.tidings.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * TLS to a real PostgreSQL (the embedded one with {@code ssl=on}, its certificate made here with openssl: a CA of its
 * own and a server certificate for {@code localhost}): verify-full with the right CA connects over TLS, a wrong CA or a
 * host the certificate does not name fails at once with a clear error, and {@code prefer} uses TLS too. New
 * connections are made while BlockHound watches the event loops: the TLS context is built once, off them.
 */
class DatabaseTlsTest {

    private static final Duration T = Duration.ofSeconds(60);
    private static Path dir;
    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() throws IOException, InterruptedException {
        dir = Files.createTempDirectory("tidings-tls");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                "-subj", "/CN=tidings test CA");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.crt", "-days", "2",
                "-subj", "/CN=some other CA");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=DNS:localhost\n");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out",
                "server.crt", "-days", "2", "-extfile", "san.ext");
        Files.setPosixFilePermissions(dir.resolve("server.key"), PosixFilePermissions.fromString("rw-------"));
        io.tidings.TestDatabase.seed(dir.resolve("pg")); // a copy of the migrated template instead of initdb
        postgres = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("pg")).setCleanDataDirectory(false)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("ssl", "on")
                .setServerConfig("ssl_cert_file", dir.resolve("server.crt").toString())
                .setServerConfig("ssl_key_file", dir.resolve("server.key").toString())
                .start();
    }

    private static void openssl(String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java.util.stream.Stream.concat(java.util.stream.Stream.of("openssl"),
                java.util.Arrays.stream(args)).toList()).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
    }

    @AfterAll
    static void stop() throws IOException {
        if (postgres != null) postgres.close();
    }

    private static String url(String host, String query) {
        return "postgresql://postgres@" + host + ":" + postgres.getPort() + "/postgres?" + query;
    }

    /** Opens several connections at once (each a TLS handshake on an event loop) and asks each whether it is encrypted. */
    private static List<Boolean> encrypted(Database db) {
        return Flux.range(0, 6).flatMap(i -> db.sql().one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                r -> r.get("ssl", Boolean.class)), 6).collectList().block(T);
    }

    @Test
    void verifyFullWithTheRightCaConnectsOverTls() {
        try (Database db = Database.start(DatabaseConfig.custom().poolMaxSize(6)
                .url(url("localhost", "sslmode=verify-full&sslrootcert=" + dir.resolve("ca.crt"))).build())) {
            assertThat(encrypted(db)).hasSize(6).containsOnly(true);
        }
    }

    @Test
    void preferUsesTlsWhenTheServerHasIt() {
        try (Database db = Database.start(DatabaseConfig.custom().poolMaxSize(6).url(url("127.0.0.1", "sslmode=prefer")).build())) {
            assertThat(encrypted(db)).hasSize(6).containsOnly(true);
        }
    }

    @Test
    void aCertificateFromAnotherCaIsRefusedAtOnceWithAClearError() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> Database.start(DatabaseConfig.custom()
                .url(url("localhost", "sslmode=verify-full&sslrootcert=" + dir.resolve("other-ca.crt"))).build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot reach the database localhost:" + postgres.getPort())
                .hasMessageContaining("verify-full")
                .satisfies(e -> assertThat(e.getMessage().toLowerCase()).containsAnyOf("certif", "pkix", "ssl"));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("not waited on as a server not up yet").isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void aHostTheCertificateDoesNotNameIsRefusedWithAClearError() {
        assertThatThrownBy(() -> Database.start(DatabaseConfig.custom()
                .url(url("127.0.0.1", "sslmode=verify-full&sslrootcert=" + dir.resolve("ca.crt"))).build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot reach the database 127.0.0.1:" + postgres.getPort())
                .satisfies(e -> assertThat(e.getMessage().toLowerCase()).containsAnyOf("hostname", "host name", "127.0.0.1"));
    }
}
