package io.tidings.feed;

/**
 * What a reader asked of planning beyond their votes, with defaults that change nothing. Implementations answer
 * from memory and fast: {@link #channelFactor} is called under the candidate lock for every candidate of every
 * pick. Paused readers are skipped by their {@code status}; time zones and mailing times are read with the reader
 * rows ({@code ReaderRepository.dueForMailing}).
 */
public interface ReaderPreferences {

    /** Everything at its default. */
    ReaderPreferences NONE = new ReaderPreferences() {};

    /**
     * What to multiply the model score of {@code channel}'s posts by for {@code reader} now: 1 changes nothing;
     * "less from this channel" lowers it, and the effect fades with time (see {@link #factor(double)}).
     */
    default float channelFactor(long reader, long channel) {
        return 1f;
    }

    /**
     * Whether {@code post} of {@code channel} may reach {@code reader} at all (mutes, /only, filters). Called for
     * candidates under the candidate lock: answer from memory.
     */
    default boolean admits(long reader, long post, long channel) {
        return true;
    }

    /**
     * The post's near-duplicate group: the id of the first fresh post telling the same story, else its own id. Planning
     * offers a reader at most one post of a group, and none of a group they already received.
     */
    default long group(long post) {
        return post;
    }

    /** Whether any fresh post repeats another one (when none does, groups need no checking). */
    default boolean anyRepeats() {
        return false;
    }

    /** Whether a new post scoring above the threshold may reach this reader at once. */
    default boolean instantPush(long reader, boolean byDefault) {
        return byDefault;
    }

    /** Posts in one scheduled mailing for this reader. */
    default int postsPerMailing(long reader, int byDefault) {
        return byDefault;
    }

    /**
     * The factor for a decayed penalty {@code p ≥ 0} (the sum over presses of weight · 0.5^(age / half-life)):
     * one fresh press halves the channel's scores, two quarter them.
     */
    static double factor(double p) {
        return p <= 0 ? 1.0 : Math.pow(0.5, p);
    }
}
