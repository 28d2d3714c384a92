package io.tidings.app;

import static io.tidings.app.Setting.choice;
import static io.tidings.app.Setting.decimal;
import static io.tidings.app.Setting.duration;
import static io.tidings.app.Setting.flag;
import static io.tidings.app.Setting.integer;
import static io.tidings.app.Setting.list;
import static io.tidings.app.Setting.text;
import static io.tidings.app.Setting.whole;

import io.tidings.bot.BotConfig;
import io.tidings.delivery.DeliverySender;
import io.tidings.feed.FeedConfig;
import io.tidings.ingest.IngestConfig;
import io.tidings.model.ModelConfig;
import io.tidings.store.DatabaseConfig;
import io.tidings.telegram.TelegramClientConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every environment variable of tidings, declared once: name, type, default, what is allowed and README's line
 * about it. {@link Config#fromEnv} binds them into the packages' config records; {@code SettingsReadmeTest}
 * holds README's configuration table equal to {@link #ALL}. Defaults come from the records' own defaults where
 * a record has them, so code that builds a record without the environment gets the same values.
 */
public final class Settings {

    private static final List<Setting<?>> DECLARED = new ArrayList<>();
    private static final IngestConfig INGEST = IngestConfig.defaults();
    private static final FeedConfig FEED = FeedConfig.defaults();
    private static final BotConfig BOT = BotConfig.defaults(Set.of(), List.of());
    private static final ModelConfig MODEL = ModelConfig.defaults();
    private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm");
    private static final int MAX = Integer.MAX_VALUE;

    // ---- Telegram, t.me, database, HTTP ----------------------------------------------------------------------

    public static final Setting<String> TELEGRAM_BOT_TOKEN = add(text("TELEGRAM_BOT_TOKEN", null,
            "— (required by `run`)", "a bot token from @BotFather: digits, a colon, then letters, digits, _ or -",
            true, v -> v.matches("[0-9]{1,20}:[A-Za-z0-9_-]{1,100}") ? v : null,
            "The bot's token. Never logged."));
    public static final Setting<String> TELEGRAM_API_URL = add(text("TELEGRAM_API_URL",
            TelegramClientConfig.TELEGRAM_API_URL, "`" + TelegramClientConfig.TELEGRAM_API_URL + "`",
            "an http or https URL", false, Settings::httpUrl,
            "Bot API base; the token is appended, as pengrad does."));
    public static final Setting<String> TME_BASE_URL = add(text("TME_BASE_URL", "https://t.me", "`https://t.me`",
            "an http or https URL", false, v -> stripSlash(httpUrl(v)),
            "Where channel previews are read (`<base>/s/<name>`)."));
    public static final Setting<String> DATABASE_URL = add(text("DATABASE_URL", null, "unset → embedded",
            "postgresql://user:password@host:5432/database", true, v -> {
                DatabaseConfig.custom().url(v);
                return v;
            }, "`postgresql://user:password@host:5432/db`. Unset: embedded PostgreSQL in `DATA_DIR/pg`."));
    public static final Setting<Path> DATA_DIR = add(text("DATA_DIR", Path.of("data"), "`data`", "a folder path",
            false, Path::of, "Folder for the embedded database."));
    public static final Setting<List<String>> CHANNELS = add(list("CHANNELS", List.of(), "empty",
            "comma-separated channel names", v -> v,
            "Comma-separated channel usernames (`name`, `@name`, `t.me/name` accepted; invalid ones are reported and skipped)."));
    public static final Setting<Integer> HTTP_PORT = add(integer("HTTP_PORT", 8080, 0, 65535,
            "`/healthz`, `/readyz`, `/metrics` and the webhook. `0` picks a free port."));
    public static final Setting<String> CALLBACK_SECRET = add(text("CALLBACK_SECRET", null, "derived from the token",
            "at least 16 characters", true, v -> v.length() >= 16 ? v : null,
            "Key that signs button data (HMAC-SHA256). Set it explicitly in production."));
    public static final Setting<List<Long>> OPERATORS = add(list("OPERATORS", List.of(), "empty",
            "comma-separated Telegram user ids (positive whole numbers)", v -> {
                long id = Long.parseLong(v);
                return id > 0 ? id : null;
            }, "Telegram user ids of operators (comma-separated): `/broadcast`, `/channels add|remove`, `/admin stats`."));

    // ---- planning and mailings --------------------------------------------------------------------------------

    public static final Setting<List<LocalTime>> MAILING_TIMES = add(list("MAILING_TIMES", FEED.mailingTimes(),
            "`" + FEED.mailingTimes().stream().map(HH_MM::format).collect(Collectors.joining(",")) + "`",
            "comma-separated times of day HH:MM (at least one)", v -> LocalTime.parse(v, HH_MM),
            "Default times of the scheduled mailings, in **each reader's** time zone (readers choose their own in /settings)."));
    public static final Setting<Integer> POSTS_PER_MAILING = add(integer("POSTS_PER_MAILING", FEED.postsPerMailing(), 1, 20,
            "Default posts per reader per scheduled mailing (1–20; readers choose 1–10 in /settings)."));
    public static final Setting<Duration> MAILING_SKIP_INACTIVE_DAYS = add(duration("MAILING_SKIP_INACTIVE_DAYS",
            ChronoUnit.DAYS, FEED.skipInactiveAfter().toDays(), 1, 36_500,
            "Readers not seen for this long get no scheduled mailings."));
    public static final Setting<Integer> CANDIDATES_PER_READER = add(integer("CANDIDATES_PER_READER",
            FEED.candidatesPerReader(), 1, 127, "Best unseen fresh posts kept per reader (1–127)."));
    public static final Setting<Boolean> INSTANT_PUSH = add(flag("INSTANT_PUSH", FEED.instantPush(),
            "Push a new post at once to readers it scores above the threshold for (readers can opt out)."));
    public static final Setting<Double> INSTANT_PUSH_THRESHOLD = add(decimal("INSTANT_PUSH_THRESHOLD",
            exact(FEED.instantThreshold()), 0, false, 1, "Score a new post needs for an instant push."));
    public static final Setting<Integer> INSTANT_PUSH_PER_DAY = add(integer("INSTANT_PUSH_PER_DAY", FEED.instantPerDay(),
            0, 1000, "Most instant pushes per reader in 24 h."));
    public static final Setting<Duration> DELIVERY_LEASE_SECONDS = add(duration("DELIVERY_LEASE_SECONDS",
            ChronoUnit.SECONDS, FEED.lease().toSeconds(), 5, 86_400,
            "How long a sender's claim on a delivery lasts before another sender takes it over."));
    public static final Setting<Duration> SEND_CHAT_GAP_MS = add(duration("SEND_CHAT_GAP_MS",
            ChronoUnit.MILLIS, FEED.chatGap().toMillis(), 0, 60_000,
            "Least time from Telegram's answer to one message to a chat until the next to that chat leaves (Telegram takes about one a second per chat; tests lower it)."));
    public static final Setting<Integer> FRESH_DAYS = add(integer("FRESH_DAYS", 3, 1, 365,
            "Posts younger than this are candidates."));
    public static final Setting<Integer> FRESH_POOL_MAX = add(integer("FRESH_POOL_MAX", 100_000, 1, 100_000_000,
            "Upper bound of the in-memory fresh pool (oldest dropped first)."));
    public static final Setting<Double> SEND_RATE = add(decimal("SEND_RATE", 30, 0, true, DeliverySender.MAX_RATE,
            "Messages per second for the whole bot token, shared by all replicas (Telegram's limit; at most 1000, for paid broadcasts)."));
    public static final Setting<Duration> POLL_INTERVAL_SECONDS = add(duration("POLL_INTERVAL_SECONDS",
            ChronoUnit.SECONDS, 300, 1, 86_400,
            "With several replicas: length of a replica's polling lease on a channel (renewed while it lives)."));

    // ---- ingest ------------------------------------------------------------------------------------------------

    public static final Setting<Integer> BACKFILL_PAGES = add(integer("BACKFILL_PAGES", INGEST.backfillPages(), 1, 1000,
            "Pages (about 20 posts each) read at the first sight of a channel."));
    public static final Setting<Duration> POLL_MIN_SECONDS = add(duration("POLL_MIN_SECONDS", ChronoUnit.SECONDS,
            INGEST.minInterval().toSeconds(), 1, 604_800, "A channel is never polled more often than this."));
    public static final Setting<Duration> POLL_MAX_SECONDS = add(duration("POLL_MAX_SECONDS", ChronoUnit.SECONDS,
            INGEST.maxInterval().toSeconds(), 1, 604_800,
            "…nor less often than this (the interval adapts to the channel's posting rate in between)."));
    public static final Setting<Double> POLL_JITTER = add(decimal("POLL_JITTER", INGEST.jitter(), 0, false, 0.5,
            "Each interval is randomly stretched or shrunk by up to this fraction."));
    public static final Setting<Integer> TME_MAX_CONCURRENT = add(integer("TME_MAX_CONCURRENT", INGEST.maxConcurrent(),
            1, 256, "Requests to t.me at once (the connection pool is this + 2)."));
    public static final Setting<Double> TME_REQUESTS_PER_SECOND = add(decimal("TME_REQUESTS_PER_SECOND",
            INGEST.requestsPerSecond(), 0, true, 1000, "Request starts per second, all channels together."));
    public static final Setting<Integer> TME_RETRIES = add(integer("TME_RETRIES", INGEST.retries(), 0, 20,
            "Retries per page on 429/5xx/timeouts; `Retry-After` honoured up to 2 min."));
    public static final Setting<Duration> TME_TIMEOUT_SECONDS = add(duration("TME_TIMEOUT_SECONDS", ChronoUnit.SECONDS,
            INGEST.requestTimeout().toSeconds(), 1, 600, "Timeout for one page, body included."));
    public static final Setting<Integer> TME_MAX_PAGE_BYTES = add(integer("TME_MAX_PAGE_BYTES", INGEST.maxPageBytes(),
            1024, 256 * 1024 * 1024, "Larger pages are refused and counted as a parse failure."));
    public static final Setting<Duration> TME_BREAKER_OPEN_SECONDS = add(duration("TME_BREAKER_OPEN_SECONDS",
            ChronoUnit.SECONDS, INGEST.breakerOpenFor().toSeconds(), 1, 86_400,
            "Pause of all t.me requests after ≥ 50% of the last 20 failed."));
    public static final Setting<Integer> TME_GONE_CHECKS = add(integer("TME_GONE_CHECKS", INGEST.goneChecks(), 1, 100,
            "A redirect, 404 or 410 from t.me marks a channel unavailable only after this many checks in a row answer so…"));
    public static final Setting<Duration> TME_GONE_MINUTES = add(duration("TME_GONE_MINUTES", ChronoUnit.MINUTES,
            INGEST.goneAfter().toMinutes(), 0, 10_080, "…spread over at least this long (the checks are spaced evenly)."));
    public static final Setting<Duration> TME_RECHECK_HOURS = add(duration("TME_RECHECK_HOURS", ChronoUnit.HOURS,
            INGEST.recheckUnavailable().toHours(), 1, 8_760,
            "Unavailable channels (configured ones too) are checked again this often; one that answers is followed again."));
    public static final Setting<Boolean> CATALOGUE_AUTO_ACCEPT = add(flag("CATALOGUE_AUTO_ACCEPT", INGEST.autoAccept(),
            "Reader suggestions are followed at once (`false`: held for an operator)."));
    public static final Setting<Integer> CATALOGUE_AUTO_ACCEPT_MAX = add(integer("CATALOGUE_AUTO_ACCEPT_MAX",
            INGEST.suggestionLimits().autoAcceptUpTo(), 0, 10_000_000,
            "Once this many channels are followed, reader suggestions are held for an operator even with auto-accept."));
    public static final Setting<Integer> SUGGESTIONS_PER_DAY = add(integer("SUGGESTIONS_PER_DAY",
            INGEST.suggestionLimits().suggestionsPerDay(), 0, 1000,
            "Channels new to the catalogue one reader may suggest per UTC day (each is probed on t.me first; operators have no quota)."));

    // ---- training ---------------------------------------------------------------------------------------------

    public static final Setting<Integer> RETRAIN_EVERY_VOTES = add(integer("RETRAIN_EVERY_VOTES", 200, 1, MAX,
            "Retrain after this many new votes: a few epochs from the current model (incremental)."));
    public static final Setting<Integer> RETRAIN_FULL_AFTER = add(integer("RETRAIN_FULL_AFTER", 10, 1, 1_000_000,
            "Retrain from scratch (with early stopping) instead after this many incremental versions."));
    public static final Setting<Duration> RETRAIN_FULL_HOURS = add(duration("RETRAIN_FULL_HOURS", ChronoUnit.HOURS,
            24, 0, 87_600, "Also retrain from scratch when this many hours passed since the last full training and "
                    + "any vote came in since; `0`: never by time. Counted from the stored versions, so restarts and "
                    + "a new trainer replica keep the schedule."));

    // ---- the model (what `tune` finds) ------------------------------------------------------------------------

    public static final Setting<Integer> MODEL_READER_DIM = add(integer("MODEL_READER_DIM", MODEL.readerDim(), 1, 1024,
            "Size of a reader's embedding row."));
    public static final Setting<Integer> MODEL_CHANNEL_DIM = add(integer("MODEL_CHANNEL_DIM", MODEL.channelDim(), 1,
            1024, "Size of a channel's embedding row."));
    public static final Setting<Integer> MODEL_POST_DIM = add(integer("MODEL_POST_DIM", MODEL.postDim(), 1, 1024,
            "Size of a post's embedding row."));
    public static final Setting<Integer> MODEL_HIDDEN = add(integer("MODEL_HIDDEN", MODEL.hidden(), 1, 1024,
            "Width of the hidden layer."));
    public static final Setting<String> MODEL_OPTIMIZER = add(choice("MODEL_OPTIMIZER",
            MODEL.optimizer().name().toLowerCase(Locale.ROOT), List.of("adam", "sgd"),
            "How training updates the weights."));
    public static final Setting<Double> MODEL_LEARNING_RATE = add(decimal("MODEL_LEARNING_RATE",
            exact(MODEL.learningRate()), 0, true, 1, "Learning rate."));
    public static final Setting<Double> MODEL_L2 = add(decimal("MODEL_L2", exact(MODEL.l2()), 0, false, 1,
            "L2 weight decay."));
    public static final Setting<Integer> MODEL_BATCH_SIZE = add(integer("MODEL_BATCH_SIZE", MODEL.batchSize(), 1,
            65_536, "Votes per mini-batch."));
    public static final Setting<Integer> MODEL_MAX_EPOCHS = add(integer("MODEL_MAX_EPOCHS", MODEL.maxEpochs(), 1, 1000,
            "Most epochs of a full training (early stopping usually ends it sooner)."));
    public static final Setting<Integer> MODEL_PATIENCE = add(integer("MODEL_PATIENCE", MODEL.patience(), 1, 100,
            "Epochs without a better validation loss before training stops."));
    public static final Setting<Integer> MODEL_MIN_EPOCH_STEPS = add(integer("MODEL_MIN_EPOCH_STEPS",
            MODEL.minEpochSteps(), 1, 1_000_000, "Fewest mini-batch steps in an epoch (small vote sets are passed over several times)."));
    public static final Setting<Double> MODEL_VALIDATION_FRACTION = add(decimal("MODEL_VALIDATION_FRACTION",
            exact(MODEL.validationFraction()), 0, false, 0.9, "Share of votes held out to decide early stopping."));
    public static final Setting<Double> MODEL_INIT_STD = add(decimal("MODEL_INIT_STD", exact(MODEL.initStd()), 0,
            true, 1, "Standard deviation of fresh embedding rows."));
    public static final Setting<Long> MODEL_SEED = add(whole("MODEL_SEED", MODEL.seed(), Long.MIN_VALUE,
            Long.MAX_VALUE, "Seed of initial weights and shuffling."));
    public static final Setting<Boolean> MODEL_BIAS_TERMS = add(flag("MODEL_BIAS_TERMS", MODEL.biasTerms(),
            "Reader, channel and post bias terms inside the seed shape (a bias column in each table and one held hidden unit)."));

    // ---- readers ----------------------------------------------------------------------------------------------

    public static final Setting<Integer> READER_COMMAND_BURST = add(integer("READER_COMMAND_BURST", BOT.commandBurst(),
            1, 10_000, "Messages a reader may send at once (button presses get 4×)."));
    public static final Setting<Integer> READER_COMMANDS_PER_MINUTE = add(integer("READER_COMMANDS_PER_MINUTE",
            BOT.commandsPerMinute(), 1, 100_000, "Sustained messages per reader per minute (presses get 4×)."));
    public static final Setting<Duration> READER_FLOOD_SILENCE_SECONDS = add(duration("READER_FLOOD_SILENCE_SECONDS",
            ChronoUnit.SECONDS, BOT.floodSilence().toSeconds(), 0, 86_400,
            "After one warning, a flooding reader is ignored this long."));
    public static final Setting<Duration> LESS_FROM_CHANNEL_HALF_LIFE_DAYS = add(duration(
            "LESS_FROM_CHANNEL_HALF_LIFE_DAYS", ChronoUnit.DAYS, BOT.lessHalfLife().toDays(), 1, 36_500,
            "A \"Less from this channel\" penalty halves every this many days."));
    public static final Setting<Double> RANKING_NOISE = add(decimal("RANKING_NOISE", FEED.noise(), 0, false, 1,
            "Standard deviation of the Gaussian noise added to scores, so readers see more than their one best channel."));
    public static final Setting<Double> EXPLORATION_BOOST = add(decimal("EXPLORATION_BOOST", FEED.exploreBoost(), 0,
            false, 100, "The noise is this much wider for channels a reader never rated: "
                    + "`noise · (1 + boost / √(1 + votes in the channel))`; 0 turns it off."));

    // ---- replicas and webhook ---------------------------------------------------------------------------------

    public static final Setting<String> REPLICA_ID = add(text("REPLICA_ID", null, "`$HOSTNAME`",
            "1–64 letters, digits, '.', '_' or '-'", false, v -> v.matches("[A-Za-z0-9._-]{1,64}") ? v : null,
            "Name of this replica; a random suffix is added per process start (leases, registry)."));
    public static final Setting<String> WEBHOOK_URL = add(text("WEBHOOK_URL", null, "unset → long polling",
            "an https URL (http for a local test)", false, Settings::httpUrl,
            "Public HTTPS URL Telegram posts updates to; needed for several replicas. The server listens on its path (default `/telegram/webhook`)."));
    public static final Setting<String> WEBHOOK_SECRET = add(text("WEBHOOK_SECRET", null,
            "— (required with `WEBHOOK_URL`)", "1-256 characters A-Z, a-z, 0-9, _ or -", true,
            v -> v.matches("[A-Za-z0-9_-]{1,256}") ? v : null,
            "Telegram's `secret_token` (1–256 of `A-Za-z0-9_-`), checked in constant time. Never logged."));
    public static final Setting<Integer> WEBHOOK_MAX_CONNECTIONS = add(integer("WEBHOOK_MAX_CONNECTIONS", 40, 1, 100,
            "`max_connections` for setWebhook (1–100)."));
    public static final Setting<Boolean> WEBHOOK_REGISTER = add(flag("WEBHOOK_REGISTER", true,
            "Call setWebhook at start-up (idempotent, so every replica may)."));
    public static final Setting<Duration> HEARTBEAT_SECONDS = add(duration("HEARTBEAT_SECONDS", ChronoUnit.SECONDS, 3,
            1, 3600, "Replica heartbeat; the send share is recomputed at each one."));
    public static final Setting<Duration> REPLICA_TTL_SECONDS = add(duration("REPLICA_TTL_SECONDS", ChronoUnit.SECONDS,
            15, 2, 86_400, "A replica silent this long is gone and its claims are taken over (≥ 2 × heartbeat)."));
    public static final Setting<Duration> SHUTDOWN_GRACE_SECONDS = add(duration("SHUTDOWN_GRACE_SECONDS",
            ChronoUnit.SECONDS, 20, 0, 3600, "On SIGTERM, how long work in hand may finish before it is handed back."));
    public static final Setting<Duration> MODEL_CHECK_SECONDS = add(duration("MODEL_CHECK_SECONDS", ChronoUnit.SECONDS,
            60, 1, 86_400, "Timer check for newer model versions, besides NOTIFY."));
    // ---- the operator's console and alerts ------------------------------------------------------------------

    public static final Setting<String> CONSOLE_URL = add(text("CONSOLE_URL", null, "`http://127.0.0.1:<HTTP_PORT>/console`",
            "an http or https URL ending in /console", false, v -> {
                String u = stripSlash(httpUrl(v));
                return u != null && URI.create(u).getPath().endsWith("/console") ? u : null;
            }, "Public URL of the operator's console (ends in `/console`); the bot's sign-in links point there. Session cookies are `Secure` unless it is plain HTTP on loopback."));
    public static final Setting<String> CONSOLE_SECRET = add(text("CONSOLE_SECRET", null, "derived from the callback key",
            "at least 16 characters", true, v -> v.length() >= 16 ? v : null,
            "Key (≥ 16 characters) that signs console links and session cookies; the same on every replica."));
    public static final Setting<Duration> CONSOLE_LINK_MINUTES = add(duration("CONSOLE_LINK_MINUTES", ChronoUnit.MINUTES,
            10, 1, 1440, "How long a sign-in link from `/console` is valid (it works once)."));
    public static final Setting<Duration> CONSOLE_SESSION_HOURS = add(duration("CONSOLE_SESSION_HOURS", ChronoUnit.HOURS,
            12, 1, 720, "How long a console session lasts."));
    public static final Setting<Integer> ALERT_UNKNOWN_PER_HOUR = add(integer("ALERT_UNKNOWN_PER_HOUR", 20, 1, MAX,
            "Operators get a Telegram alert when more deliveries than this end with an unknown outcome within an hour."));
    public static final Setting<Duration> CONSOLE_ANSWER_SECONDS = add(duration("CONSOLE_ANSWER_SECONDS", ChronoUnit.SECONDS,
            15, 1, 300, "A console view or action the database has not answered within this is answered 503 (busy) rather than left waiting."));
    public static final Setting<String> ROLE = add(choice("ROLE", "all", List.of("serve", "train", "all"),
            "`serve`: updates, candidate sets, planning, sending, loading new model versions, never training; `train`: only trains and stores new versions (no sets, no updates, no sending, no share of `SEND_RATE`); `all`: both in one process."));
    /** Read by logback itself ({@code logback.xml}); declared here so a wrong level stops start-up too. */
    public static final Setting<String> TIDINGS_LOG_LEVEL = add(choice("TIDINGS_LOG_LEVEL", "INFO",
            List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF"),
            "Log level of tidings' own loggers (logs go to stderr)."));
    public static final Setting<Duration> UPDATES_RETENTION_HOURS = add(duration("UPDATES_RETENTION_HOURS", ChronoUnit.HOURS,
            48, 25, 8760, "Webhook updates: a handled one keeps only its id (to recognise a repeat) for this long, then goes; its body goes at once."));

    /** Every variable, in README's order. */
    public static final List<Setting<?>> ALL = Collections.unmodifiableList(DECLARED);

    private Settings() {
    }

    private static <T> Setting<T> add(Setting<T> s) {
        if (DECLARED.stream().anyMatch(d -> d.name().equals(s.name()))) {
            throw new IllegalStateException(s.name() + " is declared twice");
        }
        DECLARED.add(s);
        return s;
    }

    /** The model settings read from {@code env}. */
    static ModelConfig model(Function<String, String> env) {
        return ModelConfig.custom()
                .readerDim(MODEL_READER_DIM.read(env))
                .channelDim(MODEL_CHANNEL_DIM.read(env))
                .postDim(MODEL_POST_DIM.read(env))
                .hidden(MODEL_HIDDEN.read(env))
                .optimizer(ModelConfig.Optimizer.valueOf(MODEL_OPTIMIZER.read(env).toUpperCase(Locale.ROOT)))
                .learningRate(MODEL_LEARNING_RATE.read(env).floatValue())
                .l2(MODEL_L2.read(env).floatValue())
                .batchSize(MODEL_BATCH_SIZE.read(env))
                .maxEpochs(MODEL_MAX_EPOCHS.read(env))
                .patience(MODEL_PATIENCE.read(env))
                .minEpochSteps(MODEL_MIN_EPOCH_STEPS.read(env))
                .validationFraction(MODEL_VALIDATION_FRACTION.read(env).floatValue())
                .initStd(MODEL_INIT_STD.read(env).floatValue())
                .seed(MODEL_SEED.read(env))
                .biasTerms(MODEL_BIAS_TERMS.read(env))
                .build();
    }

    /**
     * The {@code MODEL_*} variables (sizes, learning rate, L2) that make the service train {@code config}: what
     * {@code tune} prints at its end. The other training settings are left as they are.
     */
    public static Map<String, String> modelVariables(ModelConfig config) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put(MODEL_READER_DIM.name(), Integer.toString(config.readerDim()));
        v.put(MODEL_CHANNEL_DIM.name(), Integer.toString(config.channelDim()));
        v.put(MODEL_POST_DIM.name(), Integer.toString(config.postDim()));
        v.put(MODEL_HIDDEN.name(), Integer.toString(config.hidden()));
        v.put(MODEL_LEARNING_RATE.name(), Float.toString(config.learningRate()));
        v.put(MODEL_L2.name(), Float.toString(config.l2()));
        return v;
    }

    /** A float default as the decimal people wrote (0.003f, not 0.0030000000260770321). */
    private static double exact(float f) {
        return Double.parseDouble(Float.toString(f));
    }

    private static String httpUrl(String v) {
        URI uri = URI.create(v);
        boolean ok = ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null;
        return ok ? v : null;
    }

    private static String stripSlash(String s) {
        return s != null && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
