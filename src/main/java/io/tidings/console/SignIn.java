package io.tidings.console;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The console's tokens, all HMAC-SHA256 signed with one key: the one-time sign-in link the bot sends an operator
 * ({@code link|user|expiry|nonce}), the session cookie ({@code session|user|expiry|id}) and the CSRF token of a
 * session (a signature over its id). Stateless: single use of a link is enforced by storing its nonce on
 * redemption ({@link ConsoleStore#redeem}). Pure code with an injected clock.
 */
public final class SignIn {

    /** Why a token was refused (shown to the person, who needs to know what to do next). */
    public enum Refusal { MALFORMED, EXPIRED }

    /** A verified token: who, until when, and its nonce or session id. */
    public record Token(long user, Instant expires, String id) {}

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final byte[] key;
    private final Clock clock;
    private final Duration linkTtl;
    private final Duration sessionTtl;
    private final SecureRandom random;

    public SignIn(byte[] key, Clock clock, Duration linkTtl, Duration sessionTtl) {
        if (key.length < 16) throw new IllegalArgumentException("the console key must have at least 16 bytes");
        this.key = key.clone();
        this.clock = clock;
        this.linkTtl = linkTtl;
        this.sessionTtl = sessionTtl;
        // seeded here, at start-up: the default SecureRandom reads /dev/urandom on every call, on an event loop
        try {
            this.random = SecureRandom.getInstance("SHA1PRNG");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        random.setSeed(new SecureRandom().generateSeed(32));
    }

    /** A fresh sign-in token for {@code user}, valid for the link lifetime (10 minutes by default). */
    public String linkToken(long user) {
        return sign("link", user, clock.instant().plus(linkTtl), nonce());
    }

    public Result<Token> verifyLink(String token) {
        return verify("link", token);
    }

    /** A session cookie value for {@code user}, valid for the session lifetime. */
    public String sessionToken(long user) {
        return sign("session", user, clock.instant().plus(sessionTtl), nonce());
    }

    public Result<Token> verifySession(String token) {
        return verify("session", token);
    }

    public Duration sessionTtl() {
        return sessionTtl;
    }

    /** The CSRF token of a session: pages send it back in {@code X-CSRF-Token} with every state-changing request. */
    public String csrf(Token session) {
        return B64.encodeToString(mac("csrf|" + session.id()));
    }

    public boolean csrfMatches(Token session, String provided) {
        if (provided == null) return false;
        return MessageDigest.isEqual(csrf(session).getBytes(StandardCharsets.US_ASCII),
                provided.getBytes(StandardCharsets.US_ASCII));
    }

    /** Either a value or why there is none. */
    public record Result<T>(T value, Refusal refusal) {
        public Optional<T> ok() {
            return Optional.ofNullable(value);
        }
    }

    private String sign(String kind, long user, Instant expires, String id) {
        String payload = kind + "|" + user + "|" + expires.getEpochSecond() + "|" + id;
        return B64.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + B64.encodeToString(mac(payload));
    }

    private Result<Token> verify(String kind, String token) {
        if (token == null || token.length() > 512) return new Result<>(null, Refusal.MALFORMED);
        int dot = token.indexOf('.');
        if (dot < 0) return new Result<>(null, Refusal.MALFORMED);
        String payload;
        byte[] signature;
        try {
            payload = new String(B64D.decode(token.substring(0, dot)), StandardCharsets.UTF_8);
            signature = B64D.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return new Result<>(null, Refusal.MALFORMED);
        }
        if (!MessageDigest.isEqual(mac(payload), signature)) return new Result<>(null, Refusal.MALFORMED);
        String[] parts = payload.split("\\|");
        if (parts.length != 4 || !parts[0].equals(kind)) return new Result<>(null, Refusal.MALFORMED);
        try {
            Instant expires = Instant.ofEpochSecond(Long.parseLong(parts[2]));
            if (!clock.instant().isBefore(expires)) return new Result<>(null, Refusal.EXPIRED);
            return new Result<>(new Token(Long.parseLong(parts[1]), expires, parts[3]), null);
        } catch (NumberFormatException e) {
            return new Result<>(null, Refusal.MALFORMED);
        }
    }

    private String nonce() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private byte[] mac(String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(payload.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
