package io.tidings.telegram;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Compact, signed callback data for the buttons under a post: {@code <action><post id base 36>.<signature>},
 * at most about 30 bytes (Telegram allows 64). The signature binds the action, the post and the reader
 * the message was sent to, so a reader can neither forge a post id nor vote in someone else's name.
 */
public final class CallbackData {

    /** What a button does. */
    public enum Action {
        LIKE('l'), DISLIKE('d'), MORE('m');

        final char code;

        Action(char code) {
            this.code = code;
        }

        static Optional<Action> of(char c) {
            return Arrays.stream(values()).filter(a -> a.code == c).findFirst();
        }
    }

    /** A verified button press. */
    public record Press(Action action, long postId) {}

    private static final int SIGNATURE_BYTES = 12;
    private final ThreadLocal<Mac> mac;

    public CallbackData(byte[] key) {
        byte[] copy = key.clone();
        this.mac = ThreadLocal.withInitial(() -> {
            try {
                Mac m = Mac.getInstance("HmacSHA256");
                m.init(new SecretKeySpec(copy, "HmacSHA256"));
                return m;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is not available", e);
            }
        });
    }

    public String encode(long readerId, Action action, long postId) {
        String body = action.code + Long.toString(postId, 36);
        return body + "." + sign(readerId, body);
    }

    /** The press, if the data is well formed and was signed by us for this reader; empty otherwise. */
    public Optional<Press> decode(long readerId, String data) {
        if (data == null || data.length() < 3 || data.length() > 64) return Optional.empty();
        int dot = data.indexOf('.');
        if (dot < 2) return Optional.empty();
        String body = data.substring(0, dot);
        byte[] given = data.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
        byte[] expected = sign(readerId, body).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(given, expected)) return Optional.empty();
        Optional<Action> action = Action.of(body.charAt(0));
        if (action.isEmpty()) return Optional.empty();
        try {
            long post = Long.parseLong(body.substring(1), 36);
            return post > 0 ? Optional.of(new Press(action.get(), post)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private String sign(long readerId, String body) {
        byte[] h = mac.get().doFinal((readerId + ":" + body).getBytes(StandardCharsets.UTF_8));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(h, SIGNATURE_BYTES));
    }
}
