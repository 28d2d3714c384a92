package io.tidings.ingest;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * When to poll a channel next, from how often it posts: about twice per average gap between its recent posts, within
 * the configured bounds; a channel that stayed quiet backs off further; jitter spreads channels apart so they do not
 * all come due together.
 */
final class PollSchedule {

    private final Duration min;
    private final Duration max;
    private final double jitter;
    private final DoubleSupplier random;

    PollSchedule(Duration min, Duration max, double jitter, DoubleSupplier random) {
        this.min = min;
        this.max = max;
        this.jitter = jitter;
        this.random = random;
    }

    /**
     * The interval before the next poll, without jitter.
     *
     * @param recentDates publication dates of the posts on the newest page (any order)
     * @param previous    the interval used before, or {@code null} at first sight
     * @param foundNew    whether this poll found new posts
     * @param now         the current time
     */
    Duration next(List<Instant> recentDates, Duration previous, boolean foundNew, Instant now) {
        Duration interval;
        if (recentDates.size() < 2) {
            interval = max;
        } else {
            Instant oldest = recentDates.stream().min(Instant::compareTo).orElseThrow();
            Instant newest = recentDates.stream().max(Instant::compareTo).orElseThrow();
            Duration gap = Duration.between(oldest, newest).dividedBy(recentDates.size() - 1);
            // a channel that went silent long ago is not polled at the rate it once had
            Duration silence = Duration.between(newest, now);
            interval = (silence.compareTo(gap) > 0 ? silence : gap).dividedBy(2);
        }
        if (!foundNew && previous != null) {
            Duration backedOff = previous.plus(previous.dividedBy(2));
            interval = backedOff.compareTo(interval) > 0 ? backedOff : interval;
        }
        return clamp(interval);
    }

    /** {@code interval} stretched or shrunk by up to the jitter fraction, then kept within the bounds. */
    Duration withJitter(Duration interval) {
        double factor = 1 + jitter * (2 * random.getAsDouble() - 1);
        return clamp(Duration.ofMillis(Math.round(interval.toMillis() * factor)));
    }

    /** A random delay within the first interval, so channels added together are spread out. */
    Duration initialDelay() {
        return Duration.ofMillis(Math.round(min.toMillis() * random.getAsDouble() * jitter));
    }

    private Duration clamp(Duration d) {
        return d.compareTo(min) < 0 ? min : d.compareTo(max) > 0 ? max : d;
    }
}
