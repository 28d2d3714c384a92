package io.tidings.delivery;

/**
 * When the next message may leave, for one send budget. Two rules:
 * <ul>
 *   <li>even spacing at {@value #HEADROOM} of the rate, where a send that left up to {@link #CATCH_UP} late
 *   lets the next ones follow sooner (timer wake-ups are always a little late; without this the achieved
 *   rate falls short of the configured one by exactly that lateness);</li>
 *   <li>a hard cap that holds whatever the network does: Telegram counts a call in some second between the
 *   moment it leaves here and the moment its answer is back, so a call counts against the cap from its
 *   departure until a second after its answer (until then, while it is on the wire). A new call leaves only
 *   while fewer than {@code floor(rate)} calls count. Then no second, as Telegram sees it, can hold more than
 *   the rate, however calls bunch on the way; a stall on the way holds sending back instead of ending in 429s.</li>
 * </ul>
 * After a pause (a 429 or the breaker) sending resumes at the even pace, never with a burst. Not thread-safe:
 * one owner thread.
 */
final class SendPace {

    static final double HEADROOM = 0.985;
    private static final long SECOND = 1_000_000_000L;
    /** A second, and a little for the two ends' timers. */
    private static final long WINDOW = SECOND + 2_000_000L;
    /** How far the loop may run ahead of the even pace, so a late wake-up is made up (the cap bounds the burst). */
    private static final long CATCH_UP = 25_000_000L;
    static final long NEVER = Long.MAX_VALUE;

    private double rate;
    private long gap;
    private int cap;
    /** When the next send is due at the even pace (the "theoretical arrival time" of a GCRA). */
    private long due;
    private long pausedUntil;
    private int onTheWire;
    /** When the answers of recent calls came back, oldest first (a ring that grows). */
    private long[] answers = new long[64];
    private int head;
    private int size;

    SendPace(double rate, long now) {
        this.due = now;
        this.pausedUntil = now;
        setRate(rate);
    }

    void setRate(double perSecond) {
        this.rate = perSecond;
        this.gap = (long) (SECOND / (perSecond * HEADROOM));
        this.cap = (int) Math.max(1, Math.min(1 << 20, Math.floor(perSecond)));
    }

    double rate() {
        return rate;
    }

    /**
     * The earliest time the next send may leave (before {@code now}: at once), or {@link #NEVER} until an answer
     * comes back.
     */
    long nextAllowed(long now) {
        while (size > 0 && now - answers[head] >= WINDOW) {
            head = (head + 1) % answers.length;
            size--;
        }
        long t = Math.max(due - CATCH_UP, pausedUntil);
        int over = onTheWire + size - cap; // this many must drop out of the window first
        if (over >= 0) {
            if (over >= size) return NEVER;
            t = Math.max(t, answers[(head + over) % answers.length] + WINDOW);
        }
        return t;
    }

    /** A call left at {@code now}. */
    void sent(long now) {
        due = Math.max(due, now) + gap;
        onTheWire++;
    }

    /** The answer to a call came back at {@code now} (whatever it said). */
    void answered(long now) {
        onTheWire = Math.max(0, onTheWire - 1);
        if (size == answers.length) {
            long[] grown = new long[answers.length * 2];
            for (int i = 0; i < size; i++) grown[i] = answers[(head + i) % answers.length];
            answers = grown;
            head = 0;
        }
        answers[(head + size) % answers.length] = now;
        size++;
    }

    /** Nothing leaves before {@code until}; then the even pace resumes from there. */
    void pauseUntil(long until) {
        if (until - pausedUntil > 0) pausedUntil = until;
        if (until - due > 0) due = until;
    }

    long pausedUntil() {
        return pausedUntil;
    }
}
