package io.tidings.ingest;

import java.time.Duration;
import java.util.Objects;

/**
 * How ingest polls and how politely it treats t.me. Immutable; build with {@link #custom()}.
 *
 * @param backfillPages        pages read at first sight of a channel (walking back with {@code ?before=})
 * @param catchUpPages         most pages read per poll to catch up with a busy channel
 * @param minInterval          a channel is never polled more often than this
 * @param maxInterval          nor less often than this
 * @param jitter               each interval is stretched or shrunk by up to this fraction at random (0–0.5)
 * @param maxConcurrent        requests to the host at the same time (also the connection pool size)
 * @param requestsPerSecond    requests started per second, all channels together
 * @param retries              retries of one request on 429, 5xx, timeouts and network errors
 * @param retryMinBackoff      first backoff (doubling, with jitter) when the server gave no Retry-After
 * @param retryMaxBackoff      longest backoff and longest Retry-After honoured
 * @param breakerFailureRate   percent of failed requests (after retries) that opens the circuit for the host
 * @param breakerWindow        requests the failure rate is computed over
 * @param breakerOpenFor       how long the host is left alone once the circuit opened
 * @param requestTimeout       for one page, body included
 * @param tick                 how often the scheduler looks for channels that are due
 * @param catalogueRefresh     how often new or re-activated channels are picked up from the database
 * @param maxPageBytes         larger pages are refused (counted as a parse failure) instead of filling the heap
 * @param autoAccept           channels readers suggest are followed at once (true) or held for an operator (false)
 * @param goneChecks           checks in a row answering a redirect, 404 or 410 before a channel is marked unavailable
 * @param goneAfter            …spread over at least this long (zero: as soon as the checks are done)
 * @param recheckUnavailable   how often an unavailable channel is checked again (followed again once it answers)
 * @param suggestionLimits     readers' daily suggestion quota and the catalogue size up to which they are auto-accepted
 */
public record IngestConfig(int backfillPages, int catchUpPages, Duration minInterval, Duration maxInterval,
        double jitter, int maxConcurrent, double requestsPerSecond, int retries, Duration retryMinBackoff,
        Duration retryMaxBackoff, float breakerFailureRate, int breakerWindow, Duration breakerOpenFor,
        Duration requestTimeout, Duration tick, Duration catalogueRefresh, int maxPageBytes, boolean autoAccept,
        int goneChecks, Duration goneAfter, Duration recheckUnavailable, Catalogue.Limits suggestionLimits) {

    public IngestConfig {
        if (backfillPages < 1 || catchUpPages < 1 || maxConcurrent < 1 || retries < 0 || breakerWindow < 1) {
            throw new IllegalArgumentException("ingest: pages, concurrency and breaker window must be positive");
        }
        if (!(requestsPerSecond > 0) || jitter < 0 || jitter > 0.5 || !(breakerFailureRate > 0)
                || breakerFailureRate > 100) {
            throw new IllegalArgumentException("ingest: requests/s > 0, jitter in [0, 0.5], failure rate in (0, 100]");
        }
        for (Duration d : new Duration[] {minInterval, maxInterval, retryMinBackoff, retryMaxBackoff, breakerOpenFor,
                requestTimeout, tick, catalogueRefresh, recheckUnavailable}) {
            if (Objects.requireNonNull(d).isNegative() || d.isZero()) {
                throw new IllegalArgumentException("ingest: durations must be positive");
            }
        }
        Objects.requireNonNull(suggestionLimits, "suggestionLimits");
        if (goneChecks < 1 || Objects.requireNonNull(goneAfter).isNegative()) {
            throw new IllegalArgumentException("ingest: at least one check, over a period that is not negative");
        }
        if (maxPageBytes < 1024) {
            throw new IllegalArgumentException("ingest: the page size limit must be at least 1024 bytes");
        }
        if (maxInterval.compareTo(minInterval) < 0) {
            throw new IllegalArgumentException("ingest: the maximum poll interval is below the minimum");
        }
    }

    /** This configuration with another backfill depth. */
    public IngestConfig withBackfillPages(int pages) {
        return new IngestConfig(pages, catchUpPages, minInterval, maxInterval, jitter, maxConcurrent, requestsPerSecond,
                retries, retryMinBackoff, retryMaxBackoff, breakerFailureRate, breakerWindow, breakerOpenFor,
                requestTimeout, tick, catalogueRefresh, maxPageBytes, autoAccept, goneChecks, goneAfter, recheckUnavailable,
                suggestionLimits);
    }

    /**
     * How long to wait before the next check of a channel that answered "gone": the period spread evenly over the
     * checks still to come, never sooner than the shortest poll interval.
     */
    public Duration goneCheckSpacing() {
        Duration spread = goneChecks <= 1 ? Duration.ZERO : goneAfter.dividedBy(goneChecks - 1);
        return spread.compareTo(minInterval) < 0 ? minInterval : spread;
    }

    public static Builder custom() {
        return new Builder();
    }

    public static IngestConfig defaults() {
        return custom().build();
    }

    /** Builder with the documented defaults. */
    public static final class Builder {
        private int backfillPages = 3;
        private int catchUpPages = 20;
        private Duration minInterval = Duration.ofMinutes(1);
        private Duration maxInterval = Duration.ofHours(1);
        private double jitter = 0.2;
        private int maxConcurrent = 4;
        private double requestsPerSecond = 5;
        private int retries = 3;
        private Duration retryMinBackoff = Duration.ofSeconds(1);
        private Duration retryMaxBackoff = Duration.ofMinutes(2);
        private float breakerFailureRate = 50;
        private int breakerWindow = 20;
        private Duration breakerOpenFor = Duration.ofMinutes(2);
        private Duration requestTimeout = ChannelPageFetcher.DEFAULT_TIMEOUT;
        private Duration tick = Duration.ofSeconds(1);
        private Duration catalogueRefresh = Duration.ofSeconds(30);
        private int maxPageBytes = ChannelPageFetcher.DEFAULT_MAX_BODY_BYTES;
        private boolean autoAccept = true;
        private int goneChecks = 3;
        private Duration goneAfter = Duration.ofHours(1);
        private Duration recheckUnavailable = Duration.ofHours(24);
        private Catalogue.Limits suggestionLimits = Catalogue.Limits.DEFAULTS;

        public Builder backfillPages(int n) { this.backfillPages = n; return this; }
        public Builder catchUpPages(int n) { this.catchUpPages = n; return this; }
        public Builder interval(Duration min, Duration max) { this.minInterval = min; this.maxInterval = max; return this; }
        public Builder jitter(double fraction) { this.jitter = fraction; return this; }
        public Builder maxConcurrent(int n) { this.maxConcurrent = n; return this; }
        public Builder requestsPerSecond(double n) { this.requestsPerSecond = n; return this; }
        public Builder retries(int n, Duration minBackoff, Duration maxBackoff) {
            this.retries = n; this.retryMinBackoff = minBackoff; this.retryMaxBackoff = maxBackoff; return this;
        }
        public Builder breaker(float failureRatePercent, int window, Duration openFor) {
            this.breakerFailureRate = failureRatePercent; this.breakerWindow = window; this.breakerOpenFor = openFor;
            return this;
        }
        public Builder requestTimeout(Duration d) { this.requestTimeout = d; return this; }
        public Builder tick(Duration d) { this.tick = d; return this; }
        public Builder catalogueRefresh(Duration d) { this.catalogueRefresh = d; return this; }
        public Builder maxPageBytes(int n) { this.maxPageBytes = n; return this; }
        public Builder autoAccept(boolean b) { this.autoAccept = b; return this; }
        public Builder gone(int checks, Duration over) { this.goneChecks = checks; this.goneAfter = over; return this; }
        public Builder recheckUnavailable(Duration d) { this.recheckUnavailable = d; return this; }
        public Builder suggestionLimits(Catalogue.Limits l) { this.suggestionLimits = l; return this; }

        public IngestConfig build() {
            return new IngestConfig(backfillPages, catchUpPages, minInterval, maxInterval, jitter, maxConcurrent,
                    requestsPerSecond, retries, retryMinBackoff, retryMaxBackoff, breakerFailureRate, breakerWindow,
                    breakerOpenFor, requestTimeout, tick, catalogueRefresh, maxPageBytes, autoAccept, goneChecks, goneAfter,
                    recheckUnavailable, suggestionLimits);
        }
    }
}
