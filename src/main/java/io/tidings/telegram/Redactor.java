package io.tidings.telegram;

import java.io.IOException;
import java.util.regex.Pattern;

/** Removes the bot token from text that may reach logs or exceptions (OkHttp errors can hold the URL). */
final class Redactor {

    private static final Pattern TOKEN_LIKE = Pattern.compile("\\d{3,}:[A-Za-z0-9_-]{10,}");

    private final String token;

    Redactor(String token) {
        this.token = token;
    }

    String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = token.isEmpty() ? text : text.replace(token, "<token>");
        return TOKEN_LIKE.matcher(out).replaceAll("<token>");
    }

    /** A copy of an I/O failure with a redacted message and no causes (they may hold the URL too). */
    IOException redact(IOException e) {
        IOException copy = new IOException(e.getClass().getSimpleName() + ": " + redact(e.getMessage()));
        copy.setStackTrace(e.getStackTrace());
        return copy;
    }
}
