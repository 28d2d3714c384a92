package io.tidings.delivery;

/**
 * How much the send loop takes at once at a send rate (messages per second), so that it needs a few statements a
 * second whatever the rate.
 *
 * @param claim deliveries claimed at once: a second's worth (at least 8, at most 1000), so the rate has no gaps
 * @param readyLow deliveries kept "sending" ahead of their turn: a quarter second's worth (lost, not repeated, on a crash)
 * @param group deliveries marked "sending" in one statement: a tenth of a second's worth (at most 200)
 * @param flushRows outcomes that are written at once without waiting: a fifth of a second's worth (at least 50)
 */
record Batches(int claim, int readyLow, int group, int flushRows) {

    static Batches at(double rate) {
        return new Batches((int) Math.max(8, Math.min(1000, Math.ceil(rate))), (int) Math.max(2, Math.ceil(rate / 4)),
                (int) Math.max(1, Math.min(200, Math.ceil(rate / 10))), (int) Math.max(50, Math.ceil(rate / 5)));
    }
}
