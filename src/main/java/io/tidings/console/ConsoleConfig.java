package io.tidings.console;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Settings of the operator's console (README, "Configuration").
 *
 * @param url        public base URL of the console, e.g. {@code https://ops.example.com/console} (CONSOLE_URL); null:
 *                   {@code http://127.0.0.1:<HTTP_PORT>/console}, reachable only on the machine itself
 * @param secret     key that signs sign-in links and session cookies (CONSOLE_SECRET); null: derived from the
 *                   callback key, so replicas agree
 * @param linkTtl    how long a sign-in link is valid, 10 minutes (CONSOLE_LINK_MINUTES)
 * @param sessionTtl how long a session lasts, 12 hours (CONSOLE_SESSION_HOURS)
 * @param alertUnknownPerHour operators are alerted when more deliveries than this end with an unknown outcome in an
 *                   hour, 20 (ALERT_UNKNOWN_PER_HOUR)
 * @param answerWithin every answer that waits for the database is written within this, busy or not, 15 s
 *                   (CONSOLE_ANSWER_SECONDS)
 */
public record ConsoleConfig(String url, String secret, Duration linkTtl, Duration sessionTtl, int alertUnknownPerHour,
        Duration answerWithin) {

    public static ConsoleConfig defaults() {
        return new ConsoleConfig(null, null, Duration.ofMinutes(10), Duration.ofHours(12), 20, Duration.ofSeconds(15));
    }

    /** The signing key: CONSOLE_SECRET, or one derived from {@code fallback} (the callback key). */
    public byte[] key(byte[] fallback) {
        if (secret != null) return secret.getBytes(StandardCharsets.UTF_8);
        byte[] prefix = "tidings-console:".getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[prefix.length + fallback.length];
        System.arraycopy(prefix, 0, k, 0, prefix.length);
        System.arraycopy(fallback, 0, k, prefix.length, fallback.length);
        return k;
    }

    /** The console's URL, given the port the server is bound to when CONSOLE_URL is not set. */
    public String urlOr(int port) {
        return url != null ? url : "http://127.0.0.1:" + port + "/console";
    }

    /** Cookies are {@code Secure} unless the console is on loopback over plain HTTP (a browser would drop them). */
    public boolean secureCookies() {
        if (url == null) return false;
        URI uri = URI.create(url);
        String host = uri.getHost();
        boolean loopback = host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
        return !(loopback && "http".equals(uri.getScheme()));
    }

    @Override
    public String toString() {
        return "ConsoleConfig[url=" + url + ", secret=" + (secret == null ? "derived" : "set") + ", linkTtl=" + linkTtl
                + ", sessionTtl=" + sessionTtl + ", alertUnknownPerHour=" + alertUnknownPerHour + ", answerWithin=" + answerWithin + "]";
    }
}
