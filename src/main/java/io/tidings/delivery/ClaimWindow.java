package io.tidings.delivery;

import io.tidings.store.DeliveryRepository.Outgoing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the sender holds, and which of it may go next: deliveries claimed (oldest first), those marked "sending" and
 * ready with their prepared call, the chats that have one ready or on the wire, when each chat may take its next
 * message, and the readers found unreachable. A chat has at most one delivery ready or in flight, so one busy chat
 * never fills the window while other chats wait. Not thread-safe: touched only on the send loop.
 */
final class ClaimWindow {

    static final long NEVER = Long.MAX_VALUE;
    private static final long UNREACHABLE_MEMORY = Duration.ofMinutes(30).toNanos();
    private static final long EVICT_EVERY = Duration.ofSeconds(1).toNanos();

    private final long chatGap;
    /** When a chat is free by the pace every message of this replica keeps (replies too), see {@link Courier#chatFreeAt}. */
    private final java.util.function.LongUnaryOperator sharedFreeAt;
    private final LinkedHashMap<Long, Entry> claimed = new LinkedHashMap<>();
    private final List<Entry> ready = new ArrayList<>();
    private final Set<Long> chatsInHand = new HashSet<>(); // chats with a delivery ready or in flight
    // every delivery in hand, wherever it is: an expired claim re-claimed after an outage is not taken twice
    private final Set<Long> inHand = new HashSet<>();
    private final Map<Long, Long> chatFreeAt = new HashMap<>();
    private final Map<Long, Long> unreachableAt = new HashMap<>(); // claims older than this are not sent
    private long lastEviction;

    /** @param chatGap nanoseconds from Telegram's answer to one message to a chat until the next to it may leave */
    ClaimWindow(long chatGap) {
        this(chatGap, chat -> Long.MIN_VALUE);
    }

    /** As above, also waiting for a chat while the replica's other messages (replies to commands) keep it busy. */
    ClaimWindow(long chatGap, java.util.function.LongUnaryOperator sharedFreeAt) {
        this.chatGap = chatGap;
        this.sharedFreeAt = sharedFreeAt;
    }

    private long freeAt(long chat, long now) {
        long shared = sharedFreeAt.applyAsLong(chat);
        long own = chatFreeAt.getOrDefault(chat, now);
        return shared != Long.MIN_VALUE && shared - own > 0 ? shared : own;
    }

    int claimed() {
        return claimed.size();
    }

    int ready() {
        return ready.size();
    }

    boolean isEmpty() {
        return claimed.isEmpty() && ready.isEmpty();
    }

    /** Takes a claimed batch in; a delivery already in hand (an expired claim claimed again) is not taken twice. */
    void claimedNow(List<Outgoing> batch, long now) {
        for (Outgoing o : batch) {
            if (inHand.add(o.id())) claimed.put(o.id(), new Entry(o, now));
        }
    }

    /** The next group to mark "sending", and when a chat skipped for being busy is free within {@code lead}. */
    record Group(List<Entry> entries, long blockedUntil) {}

    /**
     * Up to {@code size} claimed deliveries, oldest first, whose chats have nothing ready or in flight and are free
     * within {@code lead}; they leave the claimed set and their chats count as in hand. Deliveries of readers found
     * unreachable since they were claimed are dropped (their rows went with the reader's others).
     */
    Group nextGroup(int size, long now, long lead) {
        List<Entry> group = new ArrayList<>();
        long blockedUntil = NEVER;
        for (Iterator<Entry> it = claimed.values().iterator(); it.hasNext() && group.size() < size; ) {
            Entry e = it.next();
            if (unreachableSince(e)) {
                it.remove();
                inHand.remove(e.id());
                continue;
            }
            if (chatsInHand.contains(e.chat())) continue;
            long free = freeAt(e.chat(), now);
            if (free - now > lead) {
                blockedUntil = Math.min(blockedUntil, free - lead);
                continue;
            }
            it.remove();
            chatsInHand.add(e.chat());
            group.add(e);
        }
        return new Group(group, blockedUntil);
    }

    /** Marking a group failed: back among the claimed, to be marked again. */
    void unmarked(List<Entry> group) {
        for (Entry e : group) {
            chatsInHand.remove(e.chat());
            claimed.putIfAbsent(e.id(), e);
        }
    }

    /** A delivery is ready to send (last in line). */
    void ready(Entry e) {
        ready.add(e);
    }

    /** A delivery goes first once sending may go on (after a 429 or a refused token: nothing was sent). */
    void readyFirst(Entry e) {
        ready.add(0, e);
    }

    /** The first ready delivery whose chat is free and whose retry time has come, taken out; or null. */
    Entry takeDue(long now) {
        for (Iterator<Entry> it = ready.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (Math.max(e.notBefore, freeAt(e.chat(), now)) - now <= 0) {
                it.remove();
                return e;
            }
        }
        return null;
    }

    /** When the first ready delivery may go ({@link #NEVER} when none is ready). */
    long nextDueAt(long now) {
        long earliest = NEVER;
        for (Entry e : ready) earliest = Math.min(earliest, Math.max(e.notBefore, freeAt(e.chat(), now)));
        return earliest;
    }

    /** Telegram answered a call to the entry's chat: the chat takes its next message a gap later. */
    void answered(Entry e, long now) {
        chatFreeAt.put(e.chat(), now + chatGap);
    }

    /** The delivery is out of hand (sent, failed, unknown, re-queued, or not ours any more). */
    void done(Entry e) {
        chatsInHand.remove(e.chat());
        inHand.remove(e.id());
    }

    /** The reader blocked the bot or left: what was claimed for them before now is not sent. */
    void unreachable(long chat, long now) {
        unreachableAt.merge(chat, now, Math::max);
    }

    boolean unreachableSince(Entry e) {
        Long at = unreachableAt.get(e.chat());
        return at != null && at - e.claimedAt > 0;
    }

    /** Everything claimed but not marked, taken out of hand (a stop hands it back). */
    List<Entry> releaseClaimed() {
        List<Entry> back = new ArrayList<>(claimed.values());
        claimed.clear();
        back.forEach(this::done);
        return back;
    }

    /** Everything marked and ready but never given to Telegram, taken out of hand (a stop's deadline came). */
    List<Entry> releaseReady() {
        List<Entry> back = new ArrayList<>(ready);
        ready.clear();
        back.forEach(this::done);
        return back;
    }

    /** Forgets chats long free and readers unreachable long ago; at most once a second. */
    void evictIdle(long now) {
        if (now - lastEviction <= EVICT_EVERY) return;
        lastEviction = now;
        chatFreeAt.values().removeIf(free -> free - now < 0);
        unreachableAt.values().removeIf(at -> now - at > UNREACHABLE_MEMORY);
    }
}
