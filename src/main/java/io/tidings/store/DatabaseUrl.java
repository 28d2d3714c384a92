package io.tidings.store;

import io.r2dbc.postgresql.client.SSLMode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A {@code DATABASE_URL} ({@code postgresql://user:password@host:port/database?sslmode=…&sslrootcert=…}, also
 * {@code postgres://}, {@code jdbc:postgresql://} and {@code r2dbc:postgresql://}) taken apart by hand rather than by
 * {@link java.net.URI}, which refuses passwords with {@code ^ { | } } a space or a stray {@code %}: the user information
 * ends at the last {@code @} that a host follows, so a password may hold {@code @ / ? # :} too; a {@code %XX} escape
 * is decoded (UTF-8), any other {@code %} is kept as it is. {@code sslmode} takes libpq's values (default
 * {@code prefer}, as libpq and the JDBC driver). Neither {@link #toString()} nor any error names the password.
 */
public record DatabaseUrl(String host, int port, String database, String user, String password, SSLMode sslMode, String sslRootCert) {

    private static final Pattern HOST = Pattern.compile("^(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9._-]+)(:\\d{1,5})?(?=/|\\?|$)");
    private static final Set<String> MODES = Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");
    private static final String SHAPE = "DATABASE_URL must look like postgresql://user:password@host:5432/database[?sslmode=require]";

    /** Takes {@code raw} apart; an {@link IllegalArgumentException} says what is wrong without repeating the URL. */
    public static DatabaseUrl parse(String raw) {
        String s = raw.strip();
        if (s.startsWith("jdbc:")) s = s.substring(5);
        if (s.startsWith("r2dbc:")) s = s.substring(6);
        String rest;
        if (s.startsWith("postgresql://")) rest = s.substring("postgresql://".length());
        else if (s.startsWith("postgres://")) rest = s.substring("postgres://".length());
        else throw new IllegalArgumentException(SHAPE);

        String userInfo = null;
        int at = rest.lastIndexOf('@');
        while (at >= 0 && !HOST.matcher(rest.substring(at + 1)).find()) at = rest.lastIndexOf('@', at - 1);
        if (at >= 0) {
            userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
        }
        var host = HOST.matcher(rest);
        if (!host.find()) throw new IllegalArgumentException(SHAPE + " (no host)");
        String hostName = host.group(1);
        if (hostName.startsWith("[")) hostName = hostName.substring(1, hostName.length() - 1);
        int port = 5432;
        if (host.group(2) != null) {
            port = Integer.parseInt(host.group(2).substring(1));
            if (port < 1 || port > 65535) throw new IllegalArgumentException("DATABASE_URL: the port must be 1..65535");
        }
        rest = rest.substring(host.end());
        String path = rest;
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            path = rest.substring(0, q);
            query = rest.substring(q + 1);
        }
        String database = decode(path.startsWith("/") ? path.substring(1) : path);
        if (database.isEmpty()) database = "postgres";

        String user = "postgres";
        String password = "";
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? "" : decode(userInfo.substring(colon + 1));
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            params.put(decode(eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT), eq < 0 ? "" : decode(pair.substring(eq + 1)));
        }
        if (params.containsKey("user")) user = params.remove("user");
        if (params.containsKey("password")) password = params.remove("password");
        String mode = params.getOrDefault("sslmode", "prefer").toLowerCase(Locale.ROOT);
        params.remove("sslmode");
        if (!MODES.contains(mode)) {
            throw new IllegalArgumentException("DATABASE_URL: sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full");
        }
        String rootCert = params.remove("sslrootcert");
        params.remove("application_name");
        params.remove("connect_timeout");
        if (!params.isEmpty()) {
            throw new IllegalArgumentException("DATABASE_URL: unknown parameter " + params.keySet()
                    + " (known: sslmode, sslrootcert, user, password, application_name, connect_timeout)");
        }
        if (user.isEmpty()) throw new IllegalArgumentException("DATABASE_URL: the user name is empty");
        return new DatabaseUrl(hostName, port, database, user, password, SSLMode.fromValue(mode),
                rootCert == null || rootCert.isEmpty() ? null : rootCert);
    }

    /** The libpq name of the TLS mode ({@code verify-full}…). */
    public String sslModeName() {
        return sslMode.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The JDBC URL (for the migrations) with the same TLS settings; the user and password go separately. */
    String jdbcUrl() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        StringBuilder b = new StringBuilder("jdbc:postgresql://").append(h).append(':').append(port).append('/')
                .append(java.net.URLEncoder.encode(database, StandardCharsets.UTF_8)).append("?sslmode=").append(sslModeName());
        if (sslRootCert != null) b.append("&sslrootcert=").append(java.net.URLEncoder.encode(sslRootCert, StandardCharsets.UTF_8));
        return b.toString();
    }

    /** Decodes {@code %XX} escapes; a {@code %} not followed by two hex digits stays as it is. */
    static String decode(String s) {
        if (s.indexOf('%') < 0) return s;
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); ) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
                out.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
                i += 3;
            } else {
                int cp = s.codePointAt(i);
                byte[] bytes = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
                i += Character.charCount(cp);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }

    /** Everything but the password. */
    @Override
    public String toString() {
        return "postgresql://" + user + "@" + host + ":" + port + "/" + database + "?sslmode=" + sslModeName()
                + (sslRootCert == null ? "" : "&sslrootcert=" + sslRootCert);
    }
}
