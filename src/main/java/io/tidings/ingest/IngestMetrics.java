package io.tidings.ingest;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Ingest's meters: {@code tidings.ingest.posts{outcome=new|edited|deleted}}, {@code tidings.ingest.pages},
 * {@code tidings.ingest.parse.failures{kind=post|page|oversized}}, {@code tidings.ingest.requests{outcome=…}},
 * {@code tidings.ingest.post.delay} (publication to storage) and the gauges {@code tidings.ingest.poll.lag.max}
 * (seconds since the least recently read channel was last read successfully; channels never read yet are left out)
 * and {@code tidings.ingest.channels.watched}. No meter has a per-channel label: their number must not grow with the
 * catalogue, which readers can make grow (a channel's own lag is in the console and in {@code channels.last_success_at}).
 */
final class IngestMetrics {

    private final MeterRegistry registry;
    private final Counter newPosts;
    private final Counter editedPosts;
    private final Counter deletedPosts;
    private final Counter pages;
    private final Counter retries;
    private final Timer postDelay;
    /** The channels polled by this replica: when each was last read successfully, and the clock. */
    private final Map<String, Supplier<Instant>> watched = new ConcurrentHashMap<>();
    private volatile Supplier<Instant> now = Instant::now;
    // registered once: the registry's own lookup is not meant for the hot path (and may lock)
    private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
    private final Map<String, Counter> parseFailures = new ConcurrentHashMap<>();

    IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.newPosts = posts("new");
        this.editedPosts = posts("edited");
        this.deletedPosts = posts("deleted");
        this.pages = Counter.builder("tidings.ingest.pages").description("channel pages fetched and parsed")
                .register(registry);
        this.retries = request("retry");
        this.postDelay = Timer.builder("tidings.ingest.post.delay")
                .description("from a post's publication to its storage").register(registry);
        Gauge.builder("tidings.ingest.poll.lag.max", this::maxLagSeconds).baseUnit("seconds")
                .description("time since the least recently read channel was last read").register(registry);
        Gauge.builder("tidings.ingest.channels.watched", watched, Map::size)
                .description("channels this replica polls").register(registry);
    }

    private double maxLagSeconds() {
        Instant at = now.get();
        double max = Double.NaN;
        for (Supplier<Instant> last : watched.values()) {
            Instant l = last.get();
            if (l == null) continue;
            double lag = Duration.between(l, at).toMillis() / 1000.0;
            max = Double.isNaN(max) ? lag : Math.max(max, lag);
        }
        return max;
    }

    private Counter posts(String outcome) {
        return Counter.builder("tidings.ingest.posts").tag("outcome", outcome)
                .description("posts stored, edited or marked deleted").register(registry);
    }

    private Counter request(String outcome) {
        return Counter.builder("tidings.ingest.requests").tag("outcome", outcome).register(registry);
    }

    void stored(Instant published, Instant now) {
        newPosts.increment();
        Duration d = Duration.between(published, now);
        if (!d.isNegative()) {
            postDelay.record(d.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    void edited() {
        editedPosts.increment();
    }

    void deleted() {
        deletedPosts.increment();
    }

    void page(ChannelPage page) {
        pages.increment();
        if (page.skipped() > 0) {
            parseFailure("post", page.skipped());
        }
    }

    void parseFailure(String kind, int n) {
        parseFailures.computeIfAbsent(kind, k -> Counter.builder("tidings.ingest.parse.failures").tag("kind", k)
                .description("posts or pages that could not be read").register(registry)).increment(n);
    }

    void outcome(String outcome) {
        outcomes.computeIfAbsent(outcome, this::request).increment();
    }

    void retried() {
        retries.increment();
    }

    void watch(String channel, Supplier<Instant> lastSuccess, Supplier<Instant> now) {
        this.now = now;
        watched.put(channel, lastSuccess);
    }

    void unwatch(String channel) {
        watched.remove(channel);
    }
}
