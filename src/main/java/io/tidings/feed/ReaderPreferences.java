package io.tidings.feed;

/**
 * Per-reader settings that planning consults, with defaults that change nothing. Implementations must
 * answer from memory and fast: {@link #channelPenalty} is called under the candidate lock for every
 * candidate of every pick. Paused readers are skipped by their {@code status}; time zones and mailing
 * times are read with the reader rows ({@code ReaderRepository.dueForMailing}).
 */
public interface ReaderPreferences {

    /** Everything at its default. */
    ReaderPreferences NONE = new ReaderPreferences() {};

    /**
     * How much to lower the model score (a probability, 0..1) of {@code channel}'s posts for
     * {@code reader} now: 0 changes nothing, 1 or more keeps them out unless nothing else is left
     * ("less from this channel", decaying over time).
     */
    default float channelPenalty(long reader, long channel) {
        return 0f;
    }

    /** Whether a new post scoring above the threshold reaches this reader at once. */
    default boolean instantPush(long reader, boolean byDefault) {
        return byDefault;
    }

    /** Posts in one scheduled mailing for this reader. */
    default int postsPerMailing(long reader, int byDefault) {
        return byDefault;
    }
}
