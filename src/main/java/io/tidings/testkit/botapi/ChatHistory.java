package io.tidings.testkit.botapi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The messages of every chat, as Telegram keeps them: per chat the last message id given out and the messages by id
 * (what buttons refer to, what copyMessage and edits find). A stored node is never mutated: an edit stores a new one,
 * and readers copy. Thread-safe.
 */
final class ChatHistory {

    private final Map<Long, Chat> chats = new HashMap<>();
    /** Off: messages are not kept (a benchmark sends more than a test heap would hold). */
    private volatile boolean keep = true;

    void keepMessages(boolean on) {
        keep = on;
    }

    /** The next message id of {@code chatId}. */
    synchronized int nextMessageId(long chatId) {
        return ++chat(chatId).lastMessageId;
    }

    /** Keeps {@code m} (its chat and id are its own), unless messages are not kept. */
    void remember(ObjectNode m) {
        if (!keep) return;
        synchronized (this) {
            chat(m.get("chat").get("id").asLong()).messages.put(m.get("message_id").asInt(), m);
        }
    }

    /** A copy of message {@code messageId} of {@code chatId}, or null when it is unknown or forgotten. */
    synchronized ObjectNode copyOf(long chatId, int messageId) {
        Chat c = chats.get(chatId);
        ObjectNode m = c == null ? null : c.messages.get(messageId);
        return m == null ? null : m.deepCopy();
    }

    /**
     * Replaces message {@code messageId} of {@code chatId} by what {@code edit} makes of a copy of it (it may throw to
     * refuse); returns a copy of the edited message, or null when there is no such message.
     */
    synchronized ObjectNode edit(long chatId, int messageId, UnaryOperator<ObjectNode> edit) {
        ObjectNode stored = chat(chatId).messages.get(messageId);
        if (stored == null) return null;
        ObjectNode m = edit.apply(stored.deepCopy());
        ObjectNode answer = m.deepCopy();
        if (keep) chat(chatId).messages.put(messageId, m);
        return answer;
    }

    /** Keeps the newest {@code keep} message ids of every chat (older ones answer callbacks as inaccessible). */
    synchronized void forgetOldMessages(int keep) {
        for (Chat c : chats.values()) {
            int last = c.lastMessageId;
            c.messages.keySet().removeIf(id -> id <= last - keep);
        }
    }

    private Chat chat(long chatId) {
        return chats.computeIfAbsent(chatId, id -> new Chat());
    }

    private static final class Chat {
        int lastMessageId;
        final Map<Integer, ObjectNode> messages = new HashMap<>();
    }
}
