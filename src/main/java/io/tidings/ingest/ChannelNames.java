package io.tidings.ingest;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns what a reader or operator typed into a channel username, or nothing. Only names that pass Telegram's
 * username rules come out, so no request is ever built from anything else (no other host, no path tricks).
 */
public final class ChannelNames {

    /** Telegram usernames: 5–32 characters, ASCII letters, digits and underscores, starting with a letter. */
    private static final Pattern USERNAME = Pattern.compile("[a-z][a-z0-9_]{4,31}");

    /** {@code [http[s]://][www.]t.me|telegram.me/[s/]name[/123][/]}; the name is checked separately. */
    private static final Pattern LINK = Pattern.compile(
            "(?:https?://)?(?:www\\.)?(?:t\\.me|telegram\\.me)/(?:s/)?([^/?#]+)(?:/\\d+)?/?");

    private static final int MAX_INPUT = 200;

    private ChannelNames() {
    }

    /**
     * Accepts {@code name}, {@code @name}, {@code t.me/name}, {@code https://t.me/name}, {@code https://t.me/s/name}
     * (also {@code telegram.me}, a trailing slash or a post id) and returns the lower-case username.
     */
    public static Optional<String> normalize(String input) {
        if (input == null || input.length() > MAX_INPUT) {
            return Optional.empty();
        }
        String s = input.strip().toLowerCase(Locale.ROOT);
        String candidate;
        var link = LINK.matcher(s);
        if (link.matches()) {
            candidate = link.group(1);
        } else if (s.startsWith("@")) {
            candidate = s.substring(1);
        } else {
            candidate = s;
        }
        return isValid(candidate) ? Optional.of(candidate) : Optional.empty();
    }

    /** True when {@code name} is already a valid lower-case username. */
    public static boolean isValid(String name) {
        return name != null && USERNAME.matcher(name).matches();
    }
}
