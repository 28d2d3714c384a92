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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import io.tidings.bot.BotConfig;
import io.tidings.feed.FeedConfig;
import io.tidings.ingest.IngestConfig;
import io.tidings.model.ModelConfig;
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
        // the records' own defaults, which code without an environment (tests, benches) gets
        assertThat(c.ingest()).isEqualTo(IngestConfig.defaults());
        assertThat(c.feed()).isEqualTo(FeedConfig.defaults());
        assertThat(c.bot()).isEqualTo(BotConfig.defaults(Set.of(), c.mailingTimes()));
        assertThat(c.model().toString()).isEqualTo(ModelConfig.defaults().toString());
    }

    @Test
    void everyVariableIsReadOnce() {
        Map<String, Integer> reads = new HashMap<>();
        Map<String, String> env = new HashMap<>() {
            @Override
            public String get(Object key) {
                reads.merge((String) key, 1, Integer::sum);
                return super.get(key);
            }
        };
        Config.fromEnv(env);
        Settings.ALL.forEach(s -> assertThat(reads.get(s.name())).as(s.name()).isEqualTo(1));
    }

    @Test
    void theModelIsSetFromTheEnvironment() {
        Config c = Config.fromEnv(Map.of("MODEL_READER_DIM", "64", "MODEL_HIDDEN", "32", "MODEL_LEARNING_RATE", "0.01",
                "MODEL_L2", "0.0001", "MODEL_OPTIMIZER", "SGD", "MODEL_MAX_EPOCHS", "7"));
        assertThat(c.model().readerDim()).isEqualTo(64);
        assertThat(c.model().hidden()).isEqualTo(32);
        assertThat(c.model().learningRate()).isEqualTo(0.01f);
        assertThat(c.model().l2()).isEqualTo(0.0001f);
        assertThat(c.model().optimizer()).isEqualTo(ModelConfig.Optimizer.SGD);
        assertThat(c.model().maxEpochs()).isEqualTo(7);
        assertThat(c.model().channelDim()).isEqualTo(ModelConfig.defaults().channelDim());
        // what tune prints reads back as the same model
        ModelConfig tuned = ModelConfig.custom().readerDim(48).channelDim(96).postDim(8).hidden(40).learningRate(0.0042f)
                .l2(3.5e-6f).build();
        ModelConfig back = Config.fromEnv(Settings.modelVariables(tuned)).model();
        assertThat(back.toString()).isEqualTo(tuned.toString());
    }

    @Test
    void eachSettingReachesItsRecordOnce() {
        Config c = Config.fromEnv(Map.of("BACKFILL_PAGES", "7", "RANKING_NOISE", "0.1", "SEND_RATE", "12.5",
                "MAILING_TIMES", "08:00, 21:30", "RETRAIN_EVERY_VOTES", "50", "RETRAIN_FULL_HOURS", "0",
                "OPERATORS", "5,6", "POLL_MIN_SECONDS", "30", "INSTANT_PUSH", "TRUE"));
        assertThat(c.ingest().backfillPages()).isEqualTo(7);
        assertThat(c.ingest().minInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.feed().noise()).isEqualTo(0.1);
        assertThat(c.feed().instantPush()).isTrue();
        assertThat(c.sendRate()).isEqualTo(12.5);
        assertThat(c.feed().mailingTimes()).containsExactly(LocalTime.of(8, 0), LocalTime.of(21, 30));
        assertThat(c.bot().defaultMailingTimes()).isEqualTo(c.feed().mailingTimes());
        assertThat(c.bot().operators()).containsExactlyInAnyOrder(5L, 6L);
        assertThat(c.training().everyVotes()).isEqualTo(50);
        assertThat(c.training().full().every()).isZero();
    }

    @Test
    void secretsNeverAppearInToString() {
        Config c = Config.fromEnv(Map.of("TELEGRAM_BOT_TOKEN", "123:SECRET", "DATABASE_URL", "postgresql://u:pw@db:5432/t",
                "CALLBACK_SECRET", "cbsecret-long-enough", "CHANNELS", "durov, telegram"));
        assertThat(c.toString()).doesNotContain("SECRET").doesNotContain("pw").doesNotContain("cbsecret");
        assertThat(c.channels()).containsExactly("durov", "telegram");
        assertThat(c.database().url()).isPresent();
    }

    @Test
    void aValueThatIsNotAllowedStopsWithTheNameAndWhatIsAllowed() {
        assertThatThrownBy(() -> Config.fromEnv(Map.of("HTTP_PORT", "eighty")))
                .isInstanceOf(Setting.ConfigException.class)
                .hasMessage("HTTP_PORT must be a whole number from 0 to 65535, not 'eighty'");
        // 2^32 + 80 used to wrap around to port 80
        assertThatThrownBy(() -> Config.fromEnv(Map.of("HTTP_PORT", "4294967376")))
                .hasMessageStartingWith("HTTP_PORT must be a whole number from 0 to 65535");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("SEND_RATE", "0")))
                .hasMessageStartingWith("SEND_RATE must be a number above 0 and at most 1000");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("SEND_RATE", "NaN"))).hasMessageStartingWith("SEND_RATE must be");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("MAILING_TIMES", "10:20,25:00")))
                .hasMessageStartingWith("MAILING_TIMES must be comma-separated times of day HH:MM");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("MAILING_TIMES", " , ")))
                .hasMessageStartingWith("MAILING_TIMES must be");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("INSTANT_PUSH", "yes")))
                .hasMessage("INSTANT_PUSH must be true or false, not 'yes'");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("MODEL_HIDDEN", "0")))
                .hasMessageStartingWith("MODEL_HIDDEN must be a whole number from 1 to 1024");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("TIDINGS_LOG_LEVEL", "loud")))
                .hasMessageStartingWith("TIDINGS_LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("POLL_MIN_SECONDS", "600", "POLL_MAX_SECONDS", "60")))
                .hasMessage("POLL_MAX_SECONDS must be at least POLL_MIN_SECONDS (600)");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("HEARTBEAT_SECONDS", "10")))
                .hasMessage("REPLICA_TTL_SECONDS must be at least twice HEARTBEAT_SECONDS (10)");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("WEBHOOK_URL", "https://bot.example/hook")))
                .hasMessage("WEBHOOK_SECRET is required with WEBHOOK_URL");
    }

    @Test
    void secretValuesAreNeverEchoed() {
        assertThatThrownBy(() -> Config.fromEnv(Map.of("DATABASE_URL", "mysql://u:topsecret@h/db")))
                .hasMessageStartingWith("DATABASE_URL must be postgresql://").hasMessageNotContaining("topsecret");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("WEBHOOK_URL", "https://bot.example/hook",
                "WEBHOOK_SECRET", "has spaces topsecret")))
                .hasMessageStartingWith("WEBHOOK_SECRET must be").hasMessageNotContaining("topsecret");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("TELEGRAM_BOT_TOKEN", "topsecret")))
                .hasMessageStartingWith("TELEGRAM_BOT_TOKEN must be").hasMessageNotContaining("topsecret");
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
