package io.tidings.app;

import io.tidings.feed.MailingSchedule;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {

    @Test
    void defaultsNeedNothingConfigured() {
        Config c = Config.fromEnv(Map.of());
        assertThat(c.telegramApiUrl()).isEqualTo("https://api.telegram.org/bot");
        assertThat(c.tmeBaseUrl()).isEqualTo("https://t.me");
        assertThat(c.database().url()).isEmpty();
        assertThat(c.database().embeddedDataDir().toString()).isEqualTo("data/pg");
        assertThat(c.mailingTimes()).containsExactly(LocalTime.of(10, 20), LocalTime.of(12, 20), LocalTime.of(16, 20), LocalTime.of(19, 20));
        assertThat(c.sendRate()).isEqualTo(30.0);
        assertThat(c.channels()).isEmpty();
    }

    @Test
    void secretsNeverAppearInToString() {
        Config c = Config.fromEnv(Map.of("TELEGRAM_BOT_TOKEN", "123:SECRET", "DATABASE_URL", "postgresql://u:pw@db:5432/t",
                "CALLBACK_SECRET", "cbsecret", "CHANNELS", "durov, telegram"));
        assertThat(c.toString()).doesNotContain("SECRET").doesNotContain("pw").doesNotContain("cbsecret");
        assertThat(c.channels()).containsExactly("durov", "telegram");
        assertThat(c.database().url()).isPresent();
    }

    @Test
    void badValuesAreNamedWithoutEchoingThem() {
        assertThatThrownBy(() -> Config.fromEnv(Map.of("HTTP_PORT", "eighty"))).hasMessageContaining("HTTP_PORT");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("DATABASE_URL", "mysql://u:topsecret@h/db")).database())
                .hasMessageNotContaining("topsecret");
    }

    @Test
    void theScheduleHandsEveryMinuteToThePlannerOnceAndInOrder() {
        reactor.test.scheduler.VirtualTimeScheduler time = reactor.test.scheduler.VirtualTimeScheduler.create();
        Instant start = Instant.parse("2026-11-28T10:18:30Z");
        Clock clock = new Clock() {
            @Override public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { return this; }
            @Override public Instant instant() { return start.plusMillis(time.now(java.util.concurrent.TimeUnit.MILLISECONDS)); }
        };
        List<Instant> minutes = new java.util.concurrent.CopyOnWriteArrayList<>();
        var running = MailingSchedule.everyMinute(clock, time, m -> {
            minutes.add(m);
            return reactor.core.publisher.Mono.just(1L);
        });
        try {
            time.advanceTimeBy(Duration.ofSeconds(29));
            assertThat(minutes).isEmpty();
            time.advanceTimeBy(Duration.ofSeconds(2));
            assertThat(minutes).containsExactly(Instant.parse("2026-11-28T10:19:00Z"));
            time.advanceTimeBy(Duration.ofMinutes(2));
            assertThat(minutes).containsExactly(Instant.parse("2026-11-28T10:19:00Z"),
                    Instant.parse("2026-11-28T10:20:00Z"), Instant.parse("2026-11-28T10:21:00Z"));
        } finally {
            running.dispose();
            time.dispose();
        }
    }

    @Test
    void roleIsAllUnlessServeOrTrainIsAsked() {
        assertThat(Config.fromEnv(Map.of()).scaleOut().role()).isEqualTo(Role.ALL);
        assertThat(Config.fromEnv(Map.of("ROLE", "serve")).scaleOut().role()).matches(r -> r.serves() && !r.trains());
        assertThat(Config.fromEnv(Map.of("ROLE", "Train")).scaleOut().role()).matches(r -> r.trains() && !r.serves());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Config.fromEnv(Map.of("ROLE", "both")))
                .hasMessageContaining("ROLE");
    }
}
