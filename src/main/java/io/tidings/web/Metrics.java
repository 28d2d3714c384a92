package io.tidings.web;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tidings.util.Loop;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The process's meters in a Prometheus registry: JVM and process metrics plus tidings' own counters and
 * gauges, scraped on {@code /metrics}. Gauges that need the database are refreshed on a timer, never
 * queried while scraping.
 */
public final class Metrics implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Metrics.class);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    private Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    public static Metrics create() {
        return new Metrics();
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** A gauge whose value a query refreshes every {@code every}; a failed refresh keeps the last value. */
    public Disposable gaugeFromQuery(String name, String description, Supplier<Mono<Long>> query, Duration every) {
        AtomicLong value = new AtomicLong();
        Gauge.builder(name, value, AtomicLong::doubleValue).description(description).register(registry);
        return Loop.named(name).every(every).firstAfter(Duration.ZERO).timeout(every).meters(registry)
                .start(() -> query.get().doOnNext(value::set));
    }

    /** The Prometheus text format; some JVM gauges read files, so this runs off the event loop. */
    Mono<String> scrape() {
        return Mono.fromCallable(registry::scrape).subscribeOn(Schedulers.boundedElastic());
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
