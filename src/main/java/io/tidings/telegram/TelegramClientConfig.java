package io.tidings.telegram;

import java.time.Duration;
import java.util.Objects;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Settings of the {@link TelegramClient}, built once with {@link #custom(String)}. {@link #toString()}
 * hides the token.
 *
 * @param token              the bot token (secret)
 * @param apiUrl             base URL to which the token is appended, default {@code https://api.telegram.org/bot}
 * @param maxRequests        OkHttp dispatcher: concurrent requests in total, default 64
 * @param maxRequestsPerHost OkHttp dispatcher: concurrent requests to Telegram, default 64
 * @param connectTimeout     TCP connect timeout, default 10 s
 * @param readTimeout        socket read timeout of ordinary calls, default 30 s (long polls get their own, longer one)
 * @param writeTimeout       socket write timeout, default 30 s
 * @param updatesLimit       getUpdates batch size 1..100, default 100
 * @param minBackoff         first wait after a failed getUpdates, default 1 s
 * @param maxBackoff         longest wait between failed getUpdates, default 60 s
 * @param timer              scheduler for backoff waits (inject a virtual one in tests), default parallel
 * @param idleConnectionLifetime how long an idle keep-alive connection is kept for reuse, default 20 s
 * @param chatGap            least time from Telegram's answer to one message to a chat until the next message to that
 *                           chat leaves, whoever sends it, default 1005 ms (Telegram takes about one a second per chat)
 */
public record TelegramClientConfig(String token, String apiUrl, int maxRequests, int maxRequestsPerHost,
                                   Duration connectTimeout, Duration readTimeout, Duration writeTimeout,
                                   int updatesLimit, Duration minBackoff, Duration maxBackoff, Scheduler timer,
                                   Duration idleConnectionLifetime, Duration chatGap) {

    public static final String TELEGRAM_API_URL = "https://api.telegram.org/bot";

    public TelegramClientConfig {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(apiUrl, "apiUrl");
        if (maxRequests < 1 || maxRequestsPerHost < 1) {
            throw new IllegalArgumentException("maxRequests and maxRequestsPerHost must be positive");
        }
        if (updatesLimit < 1 || updatesLimit > 100) {
            throw new IllegalArgumentException("updatesLimit must be 1..100: " + updatesLimit);
        }
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(writeTimeout, "writeTimeout");
        Objects.requireNonNull(minBackoff, "minBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(timer, "timer");
        if (idleConnectionLifetime == null || idleConnectionLifetime.isNegative() || idleConnectionLifetime.isZero()) {
            throw new IllegalArgumentException("idleConnectionLifetime must be positive");
        }
        if (chatGap == null || chatGap.isNegative()) throw new IllegalArgumentException("chatGap must not be negative");
    }

    public static Builder custom(String token) {
        return new Builder(token);
    }

    @Override
    public String toString() {
        return "TelegramClientConfig[apiUrl=" + apiUrl + ", maxRequests=" + maxRequests + ", maxRequestsPerHost="
                + maxRequestsPerHost + ", connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout
                + ", updatesLimit=" + updatesLimit + ", backoff=" + minBackoff + ".." + maxBackoff + "]";
    }

    /** Builder with the documented defaults. */
    public static final class Builder {
        private final String token;
        private String apiUrl = TELEGRAM_API_URL;
        private int maxRequests = 64;
        private int maxRequestsPerHost = 64;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(30);
        private Duration writeTimeout = Duration.ofSeconds(30);
        private int updatesLimit = 100;
        private Duration minBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofSeconds(60);
        private Scheduler timer = Schedulers.parallel();
        private Duration idleConnectionLifetime = Duration.ofSeconds(20);
        private Duration chatGap = Duration.ofMillis(1005);

        private Builder(String token) {
            this.token = token;
        }

        public Builder apiUrl(String v) { apiUrl = v; return this; }
        public Builder maxRequests(int v) { maxRequests = v; return this; }
        public Builder maxRequestsPerHost(int v) { maxRequestsPerHost = v; return this; }
        public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }
        public Builder readTimeout(Duration v) { readTimeout = v; return this; }
        public Builder writeTimeout(Duration v) { writeTimeout = v; return this; }
        public Builder updatesLimit(int v) { updatesLimit = v; return this; }
        public Builder backoff(Duration min, Duration max) { minBackoff = min; maxBackoff = max; return this; }
        public Builder timer(Scheduler v) { timer = v; return this; }
        public Builder idleConnectionLifetime(Duration v) { idleConnectionLifetime = v; return this; }
        public Builder chatGap(Duration v) { chatGap = v; return this; }

        public TelegramClientConfig build() {
            return new TelegramClientConfig(token, apiUrl, maxRequests, maxRequestsPerHost, connectTimeout,
                    readTimeout, writeTimeout, updatesLimit, minBackoff, maxBackoff, timer, idleConnectionLifetime, chatGap);
        }
    }
}
