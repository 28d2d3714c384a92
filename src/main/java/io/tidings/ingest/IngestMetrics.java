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
 * {@code tidings.ingest.post.delay} (publication to storage) and the gauge
 * {@code tidings.ingest.poll.lag{channel=…}}: seconds since the channel was last read successfully.
 */
final class IngestMetrics {

    private final MeterRegistry registry;
    private final Counter newPosts;
    private final Counter editedPosts;
    private final Counter deletedPosts;
    private final Counter pages;
    private final Counter retries;
    private final Timer postDelay;
    private final Map<String, Gauge> lagGauges = new ConcurrentHashMap<>();
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
        lagGauges.computeIfAbsent(channel, c -> Gauge.builder("tidings.ingest.poll.lag", () -> {
            Instant last = lastSuccess.get();
            return last == null ? Double.NaN : Duration.between(last, now.get()).toMillis() / 1000.0;
        }).tag("channel", c).baseUnit("seconds").description("time since the channel was last read").register(registry));
    }

    void unwatch(String channel) {
        Gauge g = lagGauges.remove(channel);
        if (g != null) {
            registry.remove(g);
        }
    }
}
