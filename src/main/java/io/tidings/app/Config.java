package io.tidings.app;

import io.tidings.store.DatabaseConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every setting of tidings, read once from environment variables with documented defaults (README,
 * "Configuration"). Immutable; {@link #toString()} never shows secrets.
 */
public record Config(
        String telegramBotToken,
        String telegramApiUrl,
        String tmeBaseUrl,
        String databaseUrl,
        Path dataDir,
        List<String> channels,
        int httpPort,
        String callbackSecret,
        Set<Long> operators,
        List<LocalTime> mailingTimes,
        int freshDays,
        int freshPoolMax,
        double sendRate,
        Duration pollInterval,
        int backfillPages,
        int retrainEveryVotes,
        double rankingNoise,
        String replicaId,
        io.tidings.ingest.IngestConfig ingest,
        ScaleOut scaleOut,
        io.tidings.bot.BotConfig bot,
        io.tidings.feed.FeedConfig feed,
        io.tidings.model.train.TrainingService.FullRetraining fullRetraining,
        io.tidings.console.ConsoleConfig console) {

    /**
     * Webhook mode and coordination of several replicas (README, "Deploy on Kubernetes").
     *
     * @param webhookUrl            public HTTPS URL Telegram posts updates to; null means long polling (one replica)
     * @param webhookSecret         the {@code secret_token} Telegram sends in {@code X-Telegram-Bot-Api-Secret-Token}
     * @param webhookMaxConnections Telegram's {@code max_connections} for the webhook (1–100)
     * @param webhookRegister       whether this replica calls setWebhook at start-up (idempotent, so all may)
     * @param heartbeat             replica registry heartbeat
     * @param replicaTtl            a replica silent this long is gone and its claims are taken over
     * @param shutdownGrace         how long SIGTERM waits for work in hand before letting it go
     * @param modelCheck            how often a replica looks for newer model versions besides NOTIFY
     */
    public record ScaleOut(String webhookUrl, String webhookSecret, int webhookMaxConnections, boolean webhookRegister,
                           Duration heartbeat, Duration replicaTtl, Duration shutdownGrace, Duration modelCheck) {

        public boolean webhook() {
            return webhookUrl != null;
        }

        /** The path the webhook listens on: that of {@code webhookUrl}, or {@code /telegram/webhook}. */
        public String webhookPath() {
            String path = webhookUrl == null ? null : java.net.URI.create(webhookUrl).getPath();
            return path == null || path.isEmpty() || path.equals("/") ? "/telegram/webhook" : path;
        }

        static ScaleOut fromEnv(Function<String, String> get) {
            String url = get.apply("WEBHOOK_URL");
            String secret = get.apply("WEBHOOK_SECRET");
            if (url != null) {
                java.net.URI uri;
                try {
                    uri = java.net.URI.create(url);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("WEBHOOK_URL must be an https URL");
                }
                if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
                    throw new IllegalArgumentException("WEBHOOK_URL must be an https URL");
                }
                if (secret == null) {
                    throw new IllegalArgumentException("WEBHOOK_SECRET is required with WEBHOOK_URL");
                }
            }
            if (secret != null && !secret.matches("[A-Za-z0-9_-]{1,256}")) {
                throw new IllegalArgumentException("WEBHOOK_SECRET must be 1-256 characters A-Z, a-z, 0-9, _ or -");
            }
            int maxConnections = integer(get.apply("WEBHOOK_MAX_CONNECTIONS"), 40, "WEBHOOK_MAX_CONNECTIONS");
            if (maxConnections < 1 || maxConnections > 100) {
                throw new IllegalArgumentException("WEBHOOK_MAX_CONNECTIONS must be between 1 and 100");
            }
            Duration heartbeat = Duration.ofSeconds(integer(get.apply("HEARTBEAT_SECONDS"), 3, "HEARTBEAT_SECONDS"));
            Duration ttl = Duration.ofSeconds(integer(get.apply("REPLICA_TTL_SECONDS"), 15, "REPLICA_TTL_SECONDS"));
            if (heartbeat.isZero() || heartbeat.isNegative() || ttl.compareTo(heartbeat.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException("HEARTBEAT_SECONDS must be positive and REPLICA_TTL_SECONDS at least twice it");
            }
            return new ScaleOut(url, secret, maxConnections, !"false".equalsIgnoreCase(get.apply("WEBHOOK_REGISTER")),
                    heartbeat, ttl,
                    Duration.ofSeconds(integer(get.apply("SHUTDOWN_GRACE_SECONDS"), 20, "SHUTDOWN_GRACE_SECONDS")),
                    Duration.ofSeconds(integer(get.apply("MODEL_CHECK_SECONDS"), 60, "MODEL_CHECK_SECONDS")));
        }

        @Override
        public String toString() {
            return webhookUrl == null ? "long polling" : "webhook on " + webhookPath();
        }
    }

    public static Config fromEnv() {
        return fromEnv(System.getenv());
    }

    public static Config fromEnv(Map<String, String> env) {
        Function<String, String> get = k -> {
            String v = env.get(k);
            return v == null || v.isBlank() ? null : v.trim();
        };
        String token = get.apply("TELEGRAM_BOT_TOKEN");
        Set<Long> operators = list(get.apply("OPERATORS")).stream().map(s -> parseLong(s, "OPERATORS"))
                .collect(Collectors.toUnmodifiableSet());
        List<LocalTime> mailingTimes = list(or(get.apply("MAILING_TIMES"), "10:20,12:20,16:20,19:20")).stream()
                .map(LocalTime::parse).sorted().toList();
        return new Config(
                token,
                or(get.apply("TELEGRAM_API_URL"), "https://api.telegram.org/bot"),
                stripSlash(or(get.apply("TME_BASE_URL"), "https://t.me")),
                get.apply("DATABASE_URL"),
                Path.of(or(get.apply("DATA_DIR"), "data")),
                list(get.apply("CHANNELS")),
                integer(get.apply("HTTP_PORT"), 8080, "HTTP_PORT"),
                get.apply("CALLBACK_SECRET"),
                operators,
                mailingTimes,
                integer(get.apply("FRESH_DAYS"), 3, "FRESH_DAYS"),
                integer(get.apply("FRESH_POOL_MAX"), 100_000, "FRESH_POOL_MAX"),
                decimal(get.apply("SEND_RATE"), 30.0, "SEND_RATE"),
                Duration.ofSeconds(integer(get.apply("POLL_INTERVAL_SECONDS"), 300, "POLL_INTERVAL_SECONDS")),
                integer(get.apply("BACKFILL_PAGES"), 3, "BACKFILL_PAGES"),
                integer(get.apply("RETRAIN_EVERY_VOTES"), 200, "RETRAIN_EVERY_VOTES"),
                decimal(get.apply("RANKING_NOISE"), 0.03, "RANKING_NOISE"),
                or(get.apply("REPLICA_ID"), or(get.apply("HOSTNAME"), "tidings")),
                io.tidings.ingest.IngestConfig.fromEnv(get),
                ScaleOut.fromEnv(get),
                io.tidings.bot.BotConfig.fromEnv(get, operators, mailingTimes),
                feed(get),
                fullRetraining(get),
                io.tidings.console.ConsoleConfig.fromEnv(get));
    }

    /** Full retraining after this many increments, and every so many hours (0: never by time). */
    private static io.tidings.model.train.TrainingService.FullRetraining fullRetraining(Function<String, String> get) {
        int after = integer(get.apply("RETRAIN_FULL_AFTER"), 10, "RETRAIN_FULL_AFTER");
        int hours = integer(get.apply("RETRAIN_FULL_HOURS"), 24, "RETRAIN_FULL_HOURS");
        if (after < 1 || hours < 0) {
            throw new IllegalArgumentException("RETRAIN_FULL_AFTER must be at least 1 and RETRAIN_FULL_HOURS at least 0");
        }
        return new io.tidings.model.train.TrainingService.FullRetraining(after, Duration.ofHours(hours));
    }

    /** Planning and delivery settings (issue 5). */
    private static io.tidings.feed.FeedConfig feed(Function<String, String> get) {
        double rate = decimal(get.apply("SEND_RATE"), 30.0, "SEND_RATE");
        if (!(rate > 0) || rate > io.tidings.delivery.DeliverySender.MAX_RATE) {
            throw new IllegalArgumentException("SEND_RATE must be more than 0 and at most 1000");
        }
        return new io.tidings.feed.FeedConfig(
                integer(get.apply("CANDIDATES_PER_READER"), 32, "CANDIDATES_PER_READER"),
                decimal(get.apply("RANKING_NOISE"), 0.03, "RANKING_NOISE"),
                decimal(get.apply("EXPLORATION_BOOST"), 1.0, "EXPLORATION_BOOST"),
                list(or(get.apply("MAILING_TIMES"), "10:20,12:20,16:20,19:20")).stream().map(LocalTime::parse).sorted().toList(),
                integer(get.apply("POSTS_PER_MAILING"), 1, "POSTS_PER_MAILING"),
                Duration.ofDays(integer(get.apply("MAILING_SKIP_INACTIVE_DAYS"), 30, "MAILING_SKIP_INACTIVE_DAYS")),
                Boolean.parseBoolean(or(get.apply("INSTANT_PUSH"), "false")),
                (float) decimal(get.apply("INSTANT_PUSH_THRESHOLD"), 0.9, "INSTANT_PUSH_THRESHOLD"),
                integer(get.apply("INSTANT_PUSH_PER_DAY"), 3, "INSTANT_PUSH_PER_DAY"),
                500,
                Duration.ofSeconds(integer(get.apply("DELIVERY_LEASE_SECONDS"), 120, "DELIVERY_LEASE_SECONDS")));
    }

    public DatabaseConfig database() {
        return DatabaseConfig.custom().url(databaseUrl).embeddedDataDir(dataDir.resolve("pg")).build();
    }

    /** The secret that signs callback data: configured, or derived from the bot token so replicas agree. */
    public byte[] callbackKey() {
        String base = callbackSecret != null ? callbackSecret : "tidings-callback:" + telegramBotToken;
        return base.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    public Config withTelegram(String token, String apiUrl) {
        return new Config(token, apiUrl, tmeBaseUrl, databaseUrl, dataDir, channels, httpPort, callbackSecret, operators,
                mailingTimes, freshDays, freshPoolMax, sendRate, pollInterval, backfillPages, retrainEveryVotes,
                rankingNoise, replicaId, ingest, scaleOut, bot, feed, fullRetraining, console);
    }

    public Config withChannels(String tmeBaseUrl, List<String> channels) {
        return new Config(telegramBotToken, telegramApiUrl, tmeBaseUrl, databaseUrl, dataDir, channels, httpPort, callbackSecret,
                operators, mailingTimes, freshDays, freshPoolMax, sendRate, pollInterval, backfillPages,
                retrainEveryVotes, rankingNoise, replicaId, ingest, scaleOut, bot, feed, fullRetraining, console);
    }

    public Config withTuning(Path dataDir, int httpPort, double sendRate, int backfillPages, int retrainEveryVotes) {
        return new Config(telegramBotToken, telegramApiUrl, tmeBaseUrl, databaseUrl, dataDir, channels, httpPort, callbackSecret,
                operators, mailingTimes, freshDays, freshPoolMax, sendRate, pollInterval, backfillPages,
                retrainEveryVotes, rankingNoise, replicaId, ingest, scaleOut, bot, feed, fullRetraining, console);
    }

    public Config withScaleOut(ScaleOut scaleOut) {
        return new Config(telegramBotToken, telegramApiUrl, tmeBaseUrl, databaseUrl, dataDir, channels, httpPort, callbackSecret,
                operators, mailingTimes, freshDays, freshPoolMax, sendRate, pollInterval, backfillPages,
                retrainEveryVotes, rankingNoise, replicaId, ingest, scaleOut, bot, feed, fullRetraining, console);
    }

    @Override
    public String toString() {
        return "Config[telegramApiUrl=" + telegramApiUrl + ", token=" + (telegramBotToken == null ? "unset" : "set")
                + ", tmeBaseUrl=" + tmeBaseUrl + ", database=" + (databaseUrl == null ? "embedded in " + dataDir.resolve("pg") : "external")
                + ", channels=" + channels.size() + ", httpPort=" + httpPort + ", sendRate=" + sendRate
                + ", mailingTimes=" + mailingTimes + " (readers' zones), freshDays=" + freshDays
                + ", updates=" + scaleOut + ", replica=" + replicaId + "]";
    }

    private static String or(String v, String dflt) {
        return v == null ? dflt : v;
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static List<String> list(String v) {
        return v == null ? List.of() : Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static int integer(String v, int dflt, String name) {
        return v == null ? dflt : (int) parseLong(v, name);
    }

    private static long parseLong(String v, String name) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number");
        }
    }

    private static double decimal(String v, double dflt, String name) {
        try {
            return v == null ? dflt : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number");
        }
    }
}
