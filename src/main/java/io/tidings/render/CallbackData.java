package io.tidings.render;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Compact, signed callback data: {@code <action><post id base 36>.<signature>} for the buttons under a post and
 * {@code s<setting>.<signature>} for the settings keyboards, at most about 45 bytes (Telegram allows 64). The
 * signature binds the action, its argument and the reader the message was sent to, so a reader can neither forge a
 * post id nor press in someone else's name.
 */
public final class CallbackData {

    /** What a button does. */
    public enum Action {
        LIKE('l'), DISLIKE('d'), MORE('m'),
        /** "Less from this channel": the post's channel gets a time-decaying penalty for this reader. */
        LESS('x'),
        /** "Mute channel": the post's channel never reaches this reader again (until /unmute). */
        MUTE('u'),
        /** A digest's "full post" button: the post is sent in full, once. */
        FULL('f'),
        /** A settings or language button; {@link Press#arg()} says which. */
        SETTING('s');

        final char code;

        Action(char code) {
            this.code = code;
        }

        static Optional<Action> of(char c) {
            return Arrays.stream(values()).filter(a -> a.code == c).findFirst();
        }
    }

    /** A verified button press: a post action with its post id, or a {@link Action#SETTING} with its argument. */
    public record Press(Action action, long postId, String arg) {
        public Press(Action action, long postId) {
            this(action, postId, null);
        }
    }

    /** Arguments of settings buttons: short, lower case, no dot. */
    private static final java.util.regex.Pattern SETTING_ARG = java.util.regex.Pattern.compile("[a-z0-9:_+-]{1,24}");

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
        if (action == Action.SETTING) throw new IllegalArgumentException("use encodeSetting");
        String body = action.code + Long.toString(postId, 36);
        return body + "." + sign(readerId, body);
    }

    /** Data for a settings button with argument {@code arg} ({@code [a-z0-9:_+-]{1,24}}). */
    public String encodeSetting(long readerId, String arg) {
        if (!SETTING_ARG.matcher(arg).matches()) throw new IllegalArgumentException("bad setting argument: " + arg);
        String body = Action.SETTING.code + arg;
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
        if (action.get() == Action.SETTING) {
            String arg = body.substring(1);
            return SETTING_ARG.matcher(arg).matches() ? Optional.of(new Press(Action.SETTING, 0, arg)) : Optional.empty();
        }
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
