package io.tidings.feed;

import java.util.Map;
import reactor.core.publisher.Mono;

/**
 * What a reader asked of the ranking beyond their votes: "less from this channel". A penalty {@code p ≥ 0} per
 * channel decays with time (it halves every half-life); the ranker multiplies the channel's scores by
 * {@link #factor(double) 0.5^p} before adding noise, so one fresh press halves the channel's chances, two quarter
 * them, and the effect fades by itself.
 */
public interface ReaderPreferences {

    /** Channel id → current penalty of one reader (channels without one are absent). */
    Mono<Map<Long, Double>> penalties(long reader);

    /** The same for a page of readers at once: reader id → (channel id → penalty); readers without any are absent. */
    Mono<Map<Long, Map<Long, Double>>> penalties(Long[] readers);

    /** What to multiply a score by for a channel with penalty {@code p}. */
    static double factor(double p) {
        return p <= 0 ? 1.0 : Math.pow(0.5, p);
    }

    /** No preferences: every channel counts fully. */
    ReaderPreferences NONE = new ReaderPreferences() {
        @Override
        public Mono<Map<Long, Double>> penalties(long reader) {
            return Mono.just(Map.of());
        }

        @Override
        public Mono<Map<Long, Map<Long, Double>>> penalties(Long[] readers) {
            return Mono.just(Map.of());
        }
    };
}
