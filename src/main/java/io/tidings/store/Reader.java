package io.tidings.store;

/** A reader: a Telegram user talking to the bot in a private chat (their id is the chat id). */
public record Reader(long id, String firstName, String language, String status, String timeZone) {

    public boolean active() {
        return "active".equals(status);
    }
}
