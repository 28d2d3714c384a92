package io.tidings.console;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Function;

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
 */
public record ConsoleConfig(String url, String secret, Duration linkTtl, Duration sessionTtl, int alertUnknownPerHour) {

    public static ConsoleConfig defaults() {
        return new ConsoleConfig(null, null, Duration.ofMinutes(10), Duration.ofHours(12), 20);
    }

    /** Reads the CONSOLE_* variables; {@code get} returns null for unset ones. */
    public static ConsoleConfig fromEnv(Function<String, String> get) {
        String url = get.apply("CONSOLE_URL");
        if (url != null) {
            url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("CONSOLE_URL must be an http(s) URL ending in /console");
            }
            if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null
                    || !uri.getPath().endsWith("/console")) {
                throw new IllegalArgumentException("CONSOLE_URL must be an http(s) URL ending in /console");
            }
        }
        String secret = get.apply("CONSOLE_SECRET");
        if (secret != null && secret.length() < 16) throw new IllegalArgumentException("CONSOLE_SECRET must have at least 16 characters");
        return new ConsoleConfig(url, secret,
                Duration.ofMinutes(positive(get.apply("CONSOLE_LINK_MINUTES"), 10, "CONSOLE_LINK_MINUTES")),
                Duration.ofHours(positive(get.apply("CONSOLE_SESSION_HOURS"), 12, "CONSOLE_SESSION_HOURS")),
                positive(get.apply("ALERT_UNKNOWN_PER_HOUR"), 20, "ALERT_UNKNOWN_PER_HOUR"));
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
                + ", sessionTtl=" + sessionTtl + ", alertUnknownPerHour=" + alertUnknownPerHour + "]";
    }

    private static int positive(String v, int dflt, String name) {
        if (v == null) return dflt;
        try {
            int n = Integer.parseInt(v.trim());
            if (n < 1) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a positive whole number");
        }
    }
}
