package io.tidings.telegram;

import io.tidings.feed.ReaderPreferences;
import io.tidings.store.PenaltyRepository;
import java.time.Duration;
import java.util.Map;
import reactor.core.publisher.Mono;

/** {@link ReaderPreferences} from the "Less from this channel" presses stored in the database. */
public final class StoredPreferences implements ReaderPreferences {

    private final PenaltyRepository penalties;
    private final Duration halfLife;

    public StoredPreferences(PenaltyRepository penalties, Duration halfLife) {
        this.penalties = penalties;
        this.halfLife = halfLife;
    }

    @Override
    public Mono<Map<Long, Double>> penalties(long reader) {
        return penalties.active(reader, halfLife);
    }

    @Override
    public Mono<Map<Long, Map<Long, Double>>> penalties(Long[] readers) {
        return penalties.active(readers, halfLife);
    }
}
