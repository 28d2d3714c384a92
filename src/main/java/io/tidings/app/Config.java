package io.tidings.app;

import static io.tidings.app.Settings.*;

import io.tidings.app.Setting.ConfigException;
import io.tidings.bot.BotConfig;
import io.tidings.feed.FeedConfig;
import io.tidings.ingest.IngestConfig;
import io.tidings.model.ModelConfig;
import io.tidings.model.train.TrainingService;
import io.tidings.store.DatabaseConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Every setting of tidings, bound once from the environment variables declared in {@link Settings} (README,
 * "Configuration") into the packages' config records. Immutable; {@link #toString()} never shows secrets.
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
        int freshDays,
        int freshPoolMax,
        double sendRate,
        Duration pollInterval,
        String replicaId,
        IngestConfig ingest,
        ScaleOut scaleOut,
        BotConfig bot,
        FeedConfig feed,
        Training training,
        ModelConfig model,
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
                           Duration heartbeat, Duration replicaTtl, Duration shutdownGrace, Duration modelCheck, Role role,
                           Duration updatesRetention) {

        public ScaleOut {
            role = role == null ? Role.ALL : role;
        }

        public boolean webhook() {
            return webhookUrl != null;
        }

        /** The path the webhook listens on: that of {@code webhookUrl}, or {@code /telegram/webhook}. */
        public String webhookPath() {
            String path = webhookUrl == null ? null : java.net.URI.create(webhookUrl).getPath();
            return path == null || path.isEmpty() || path.equals("/") ? "/telegram/webhook" : path;
        }

        @Override
        public String toString() {
            return (webhookUrl == null ? "long polling" : "webhook on " + webhookPath()) + ", role " + role;
        }
    }

    /**
     * When the trainer trains (RETRAIN_*).
     *
     * @param everyVotes incremental training after this many new votes
     * @param full       full retraining after so many increments, and every so long
     */
    public record Training(int everyVotes, TrainingService.FullRetraining full) {}

    public static Config fromEnv() {
        return fromEnv(System.getenv());
    }

    /** Binds every declared variable of {@code env}; a value that is not allowed stops with a {@link ConfigException}. */
    public static Config fromEnv(Map<String, String> env) {
        Function<String, String> get = k -> {
            String v = env.get(k);
            return v == null || v.isBlank() ? null : v.trim();
        };
        TIDINGS_LOG_LEVEL.read(get); // logback reads it; a wrong one stops start-up all the same
        Set<Long> operators = Set.copyOf(new LinkedHashSet<>(OPERATORS.read(get)));
        List<LocalTime> mailingTimes = MAILING_TIMES.read(get).stream().distinct().sorted().toList();
        if (mailingTimes.isEmpty()) throw MAILING_TIMES.invalid(env.get(MAILING_TIMES.name()));
        String replicaId = REPLICA_ID.read(get);
        if (replicaId == null) replicaId = java.util.Objects.requireNonNullElse(get.apply("HOSTNAME"), "tidings");
        return new Config(
                TELEGRAM_BOT_TOKEN.read(get),
                TELEGRAM_API_URL.read(get),
                TME_BASE_URL.read(get),
                DATABASE_URL.read(get),
                DATA_DIR.read(get),
                CHANNELS.read(get),
                HTTP_PORT.read(get),
                CALLBACK_SECRET.read(get),
                operators,
                FRESH_DAYS.read(get),
                FRESH_POOL_MAX.read(get),
                SEND_RATE.read(get),
                POLL_INTERVAL_SECONDS.read(get),
                replicaId,
                ingest(get),
                scaleOut(get),
                bot(get, operators, mailingTimes),
                feed(get, mailingTimes),
                new Training(RETRAIN_EVERY_VOTES.read(get), new TrainingService.FullRetraining(
                        RETRAIN_FULL_AFTER.read(get), RETRAIN_FULL_HOURS.read(get))),
                Settings.model(get),
                new io.tidings.console.ConsoleConfig(CONSOLE_URL.read(get), CONSOLE_SECRET.read(get),
                        CONSOLE_LINK_MINUTES.read(get), CONSOLE_SESSION_HOURS.read(get), ALERT_UNKNOWN_PER_HOUR.read(get),
                        CONSOLE_ANSWER_SECONDS.read(get)));
    }

    private static IngestConfig ingest(Function<String, String> get) {
        IngestConfig d = IngestConfig.defaults();
        Duration min = POLL_MIN_SECONDS.read(get);
        Duration max = POLL_MAX_SECONDS.read(get);
        if (max.compareTo(min) < 0) {
            throw new ConfigException(POLL_MAX_SECONDS.name() + " must be at least " + POLL_MIN_SECONDS.name()
                    + " (" + min.toSeconds() + ")");
        }
        return IngestConfig.custom()
                .backfillPages(BACKFILL_PAGES.read(get))
                .interval(min, max)
                .jitter(POLL_JITTER.read(get))
                .maxConcurrent(TME_MAX_CONCURRENT.read(get))
                .requestsPerSecond(TME_REQUESTS_PER_SECOND.read(get))
                .retries(TME_RETRIES.read(get), d.retryMinBackoff(), d.retryMaxBackoff())
                .requestTimeout(TME_TIMEOUT_SECONDS.read(get))
                .maxPageBytes(TME_MAX_PAGE_BYTES.read(get))
                .breaker(d.breakerFailureRate(), d.breakerWindow(), TME_BREAKER_OPEN_SECONDS.read(get))
                .autoAccept(CATALOGUE_AUTO_ACCEPT.read(get))
                .gone(TME_GONE_CHECKS.read(get), TME_GONE_MINUTES.read(get))
                .recheckUnavailable(TME_RECHECK_HOURS.read(get))
                .suggestionLimits(new io.tidings.ingest.Catalogue.Limits(SUGGESTIONS_PER_DAY.read(get),
                        CATALOGUE_AUTO_ACCEPT_MAX.read(get)))
                .build();
    }

    private static ScaleOut scaleOut(Function<String, String> get) {
        String url = WEBHOOK_URL.read(get);
        String secret = WEBHOOK_SECRET.read(get);
        if (url != null && secret == null) {
            throw new ConfigException(WEBHOOK_SECRET.name() + " is required with " + WEBHOOK_URL.name());
        }
        Duration heartbeat = HEARTBEAT_SECONDS.read(get);
        Duration ttl = REPLICA_TTL_SECONDS.read(get);
        if (ttl.compareTo(heartbeat.multipliedBy(2)) < 0) {
            throw new ConfigException(REPLICA_TTL_SECONDS.name() + " must be at least twice " + HEARTBEAT_SECONDS.name()
                    + " (" + heartbeat.toSeconds() + ")");
        }
        return new ScaleOut(url, secret, WEBHOOK_MAX_CONNECTIONS.read(get), WEBHOOK_REGISTER.read(get), heartbeat, ttl,
                SHUTDOWN_GRACE_SECONDS.read(get), MODEL_CHECK_SECONDS.read(get), Role.parse(ROLE.read(get)),
                UPDATES_RETENTION_HOURS.read(get));
    }

    private static BotConfig bot(Function<String, String> get, Set<Long> operators, List<LocalTime> mailingTimes) {
        BotConfig d = BotConfig.defaults(operators, mailingTimes);
        return new BotConfig(operators, mailingTimes, READER_COMMAND_BURST.read(get), READER_COMMANDS_PER_MINUTE.read(get),
                READER_FLOOD_SILENCE_SECONDS.read(get), LESS_FROM_CHANNEL_HALF_LIFE_DAYS.read(get), d.channelPosts());
    }

    private static FeedConfig feed(Function<String, String> get, List<LocalTime> mailingTimes) {
        FeedConfig d = FeedConfig.defaults();
        return new FeedConfig(CANDIDATES_PER_READER.read(get), RANKING_NOISE.read(get), EXPLORATION_BOOST.read(get),
                mailingTimes, POSTS_PER_MAILING.read(get), MAILING_SKIP_INACTIVE_DAYS.read(get), INSTANT_PUSH.read(get),
                INSTANT_PUSH_THRESHOLD.read(get).floatValue(), INSTANT_PUSH_PER_DAY.read(get), d.page(),
                DELIVERY_LEASE_SECONDS.read(get), SEND_CHAT_GAP_MS.read(get));
    }

    /** Local times of the scheduled mailings in each reader's zone (MAILING_TIMES). */
    public List<LocalTime> mailingTimes() {
        return feed.mailingTimes();
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
                freshDays, freshPoolMax, sendRate, pollInterval, replicaId, ingest, scaleOut, bot, feed, training, model, console);
    }

    public Config withChannels(String tmeBaseUrl, List<String> channels) {
        return new Config(telegramBotToken, telegramApiUrl, tmeBaseUrl, databaseUrl, dataDir, channels, httpPort,
                callbackSecret, operators, freshDays, freshPoolMax, sendRate, pollInterval, replicaId, ingest, scaleOut,
                bot, feed, training, model, console);
    }

    /** For the demo and tests: another data folder, port, send rate, backfill depth and retraining step. */
    public Config withTuning(Path dataDir, int httpPort, double sendRate, int backfillPages, int retrainEveryVotes) {
        return new Config(telegramBotToken, telegramApiUrl, tmeBaseUrl, databaseUrl, dataDir, channels, httpPort,
                callbackSecret, operators, freshDays, freshPoolMax, sendRate, pollInterval, replicaId,
                ingest.withBackfillPages(backfillPages), scaleOut, bot, feed,
                new Training(retrainEveryVotes, training.full()), model, console);
    }

    @Override
    public String toString() {
        return "Config[telegramApiUrl=" + telegramApiUrl + ", token=" + (telegramBotToken == null ? "unset" : "set")
                + ", tmeBaseUrl=" + tmeBaseUrl + ", database=" + (databaseUrl == null ? "embedded in " + dataDir.resolve("pg") : "external")
                + ", channels=" + channels.size() + ", httpPort=" + httpPort + ", sendRate=" + sendRate
                + ", mailingTimes=" + mailingTimes() + " (readers' zones), freshDays=" + freshDays
                + ", updates=" + scaleOut + ", replica=" + replicaId + ", model=" + model + "]";
    }
}
