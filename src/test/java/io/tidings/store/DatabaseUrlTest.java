package io.tidings.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.r2dbc.postgresql.client.SSLMode;
import io.tidings.TestDatabase;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** DATABASE_URL as operators write it: odd passwords, TLS modes, and errors that never repeat the password. */
class DatabaseUrlTest {

    @Test
    void passwordsWithCharactersUriRefusesAreTakenAsTheyAre() {
        DatabaseUrl u = DatabaseUrl.parse("postgresql://app:p^a{s}s|w o%rd@db.example.org:6543/tidings");
        assertThat(u.user()).isEqualTo("app");
        assertThat(u.password()).isEqualTo("p^a{s}s|w o%rd");
        assertThat(u.host()).isEqualTo("db.example.org");
        assertThat(u.port()).isEqualTo(6543);
        assertThat(u.database()).isEqualTo("tidings");
        assertThat(u.sslMode()).isEqualTo(SSLMode.PREFER);
    }

    @Test
    void atSlashQuestionMarkAndColonInAPasswordAndPercentEscapes() {
        assertThat(DatabaseUrl.parse("postgres://u:a@b/c?d:e#f@localhost/db").password()).isEqualTo("a@b/c?d:e#f");
        assertThat(DatabaseUrl.parse("postgres://u:a@b/c?d:e#f@localhost/db").host()).isEqualTo("localhost");
        assertThat(DatabaseUrl.parse("postgresql://u%40x:%5E%7B%7C%20%25%zz%@h/db").user()).isEqualTo("u@x");
        assertThat(DatabaseUrl.parse("postgresql://u%40x:%5E%7B%7C%20%25%zz%@h/db").password()).isEqualTo("^{| %%zz%");
        assertThat(DatabaseUrl.parse("postgresql://u:p%C3%A4ss@h/db").password()).isEqualTo("päss");
    }

    @Test
    void prefixesDefaultsIpv6AndParameters() {
        DatabaseUrl u = DatabaseUrl.parse("jdbc:postgresql://[::1]:5433/x?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=t");
        assertThat(u.host()).isEqualTo("::1");
        assertThat(u.port()).isEqualTo(5433);
        assertThat(u.sslMode()).isEqualTo(SSLMode.VERIFY_FULL);
        assertThat(u.sslRootCert()).isEqualTo("/etc/ca.pem");
        assertThat(u.jdbcUrl()).isEqualTo("jdbc:postgresql://[::1]:5433/x?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem");
        DatabaseUrl d = DatabaseUrl.parse("r2dbc:postgresql://h");
        assertThat(d.user()).isEqualTo("postgres");
        assertThat(d.port()).isEqualTo(5432);
        assertThat(d.database()).isEqualTo("postgres");
        assertThat(DatabaseUrl.parse("postgresql://h/db?sslmode=disable").sslMode()).isEqualTo(SSLMode.DISABLE);
        assertThat(DatabaseUrl.parse("postgresql://h/db?sslmode=require").sslMode()).isEqualTo(SSLMode.REQUIRE);
        assertThat(DatabaseUrl.parse("postgresql://h/db?sslmode=verify-ca").sslMode()).isEqualTo(SSLMode.VERIFY_CA);
        assertThat(DatabaseUrl.parse("postgresql://h/db?user=a&password=b%20c").password()).isEqualTo("b c");
    }

    @Test
    void errorsAndToStringNeverNameThePassword() {
        String secret = "Sup3r^Secret";
        for (String bad : new String[] {"mysql://u:" + secret + "@h/db", "postgresql://u:" + secret + "@/db",
                "postgresql://u:" + secret + "@h/db?sslmode=sometimes", "postgresql://u:" + secret + "@h/db?foo=bar",
                "postgresql://u:" + secret + "@h:99999/db"}) {
            assertThatThrownBy(() -> DatabaseUrl.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("DATABASE_URL").hasMessageNotContaining(secret);
        }
        assertThat(DatabaseUrl.parse("postgresql://u:" + secret + "@h/db").toString()).doesNotContain(secret).contains("u@h:5432/db");
    }

    @Test
    void sslmodeRequireAgainstAServerWithoutTlsFailsClearlyAndWithoutThePassword() {
        int port = DatabaseUrl.parse(TestDatabase.url()).port();
        String secret = "p^{|} %secret";
        DatabaseConfig require = DatabaseConfig.custom().url("postgresql://postgres:" + secret + "@localhost:" + port
                + "/postgres?sslmode=require").connectTimeout(Duration.ofSeconds(5)).build();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> Database.start(require))
                .hasMessageContaining("sslmode=require")
                .hasMessageContaining("SSL")
                .hasMessageNotContaining(secret)
                .hasNoCause();
        // said at once, not after the start-up wait (60 s) for a database that is not there yet: waiting will not give it TLS
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(require.startupWait().dividedBy(2));
        // the same password with TLS off connects (the embedded server trusts local connections)
        try (Database plain = Database.start(DatabaseConfig.custom().url("postgresql://postgres:" + secret + "@localhost:" + port
                + "/postgres?sslmode=disable").build())) {
            assertThat(plain.sql().one("SELECT 1 AS one", r -> r.get("one", Integer.class)).block(Duration.ofSeconds(30))).isEqualTo(1);
        }
        try (Database preferred = Database.start(DatabaseConfig.custom().url("postgresql://postgres@localhost:" + port + "/postgres").build())) {
            assertThat(preferred.sql().one("SELECT 1 AS one", r -> r.get("one", Integer.class)).block(Duration.ofSeconds(30)))
                    .as("prefer falls back to plain, as libpq does").isEqualTo(1);
        }
    }
}
