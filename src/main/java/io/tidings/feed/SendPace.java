package io.tidings.feed;

/**
 * When the next message may leave, for one send budget. Two rules, both on the times calls leave:
 * <ul>
 *   <li>even spacing at {@value #HEADROOM} of the rate, where a send that left up to {@link #catchUp} late
 *   lets the next ones follow sooner (timer wake-ups are always a little late; without this the achieved
 *   rate falls short of the configured one by exactly that lateness);</li>
 *   <li>a hard cap: never more than {@code floor(rate)} sends within {@link #WINDOW_NANOS}, a second plus
 *   {@value #JITTER_MILLIS} ms. Telegram counts arrivals in a second; calls that leave evenly arrive
 *   jittered by the network and the scheduler, and the cap absorbs up to that much jitter.</li>
 * </ul>
 * After a pause (a 429 or the breaker) sending resumes at the even pace, never with a burst. Not
 * thread-safe: one owner thread.
 */
final class SendPace {

    static final double HEADROOM = 0.985;
    static final long JITTER_MILLIS = 12;
    private static final long SECOND = 1_000_000_000L;
    private static final long WINDOW_NANOS = SECOND + JITTER_MILLIS * 1_000_000L;
    private static final long MAX_CATCH_UP = 10_000_000L;

    private double rate;
    private long gap;
    private long catchUp;
    /** When the next send is due at the even pace (the "theoretical arrival time" of a GCRA). */
    private long due;
    private long pausedUntil;
    /** Leave times of the last {@code cap} sends, a ring. */
    private long[] recent = new long[1];
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
        this.catchUp = Math.min(gap, MAX_CATCH_UP);
        int cap = (int) Math.max(1, Math.min(Integer.MAX_VALUE - 8, Math.floor(perSecond)));
        if (cap != recent.length) {
            long[] kept = new long[cap];
            int keep = Math.min(size, cap);
            for (int i = 0; i < keep; i++) kept[i] = recent[Math.floorMod(head + size - keep + i, recent.length)];
            recent = kept;
            head = 0;
            size = keep;
        }
    }

    double rate() {
        return rate;
    }

    /** The earliest time the next send may leave (may be before {@code now}: then it may leave at once). */
    long nextAllowed() {
        long t = Math.max(due - catchUp, pausedUntil);
        if (size == recent.length) t = Math.max(t, recent[head] + WINDOW_NANOS);
        return t;
    }

    /** A send left at {@code now}. */
    void sent(long now) {
        due = Math.max(due, now) + gap;
        if (size == recent.length) {
            recent[head] = now;
            head = (head + 1) % recent.length;
        } else {
            recent[(head + size) % recent.length] = now;
            size++;
        }
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
