package io.tidings.testkit.botapi;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Telegram's own flood limits, simulated: at most {@code globalPerSecond} messages in any second and
 * one per chat per second; beyond them, 429 with a retry_after. Off until configured.
 */
final class SendLimits {

    private static final long SECOND = 1_000_000_000L;

    private final Object lock = new Object();
    private final ArrayDeque<Long> recent = new ArrayDeque<>();
    private final Map<Long, Long> lastPerChat = new HashMap<>();
    private int globalPerSecond;
    private boolean perChat;

    void configure(int globalPerSecond, boolean perChat) {
        synchronized (lock) {
            this.globalPerSecond = globalPerSecond;
            this.perChat = perChat;
            recent.clear();
            lastPerChat.clear();
        }
    }

    /** Counts one message to {@code chatId} at {@code now}; returns null if allowed, else retry_after seconds. */
    Integer admit(long chatId, long now) {
        synchronized (lock) {
            if (globalPerSecond <= 0 && !perChat) {
                return null;
            }
            while (!recent.isEmpty() && now - recent.peekFirst() >= SECOND) {
                recent.removeFirst();
            }
            if (globalPerSecond > 0 && recent.size() >= globalPerSecond) {
                return 1;
            }
            if (perChat) {
                Long last = lastPerChat.get(chatId);
                if (last != null && now - last < SECOND) {
                    return 1;
                }
                lastPerChat.put(chatId, now);
            }
            recent.addLast(now);
            return null;
        }
    }
}
