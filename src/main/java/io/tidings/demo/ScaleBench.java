package io.tidings.demo;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.tidings.feed.CandidateIndex;
import io.tidings.feed.FreshPool;
import io.tidings.feed.ReaderPreferences;
import io.tidings.model.EmbeddingTable;
import io.tidings.model.ModelConfig;
import io.tidings.model.Network;
import io.tidings.model.TrainedModel;
import io.tidings.model.offline.SyntheticVotes;
import io.tidings.model.serve.ModelRegistry;
import io.tidings.model.serve.ScoringModel;
import io.tidings.model.train.Trainer;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * {@code bench scale}: one serving replica's candidate index at full size, in memory (no database, no Telegram):
 * a model of the real shapes (weights grown from a small trained one, so scores spread as a trained model's do),
 * the index built for every reader, then one new post at a time into every set, a model swap with a full re-rank,
 * an incremental swap (what {@code Trainer.trainRows} makes of a batch of votes: the same network, channels and
 * priors, the rows of the readers who voted and of the posts they voted on moved; each vote by a random reader on
 * one of their own candidates, since readers vote on what they were sent), and picking one mailing for every reader
 * from the sets (the outbox write, measured by {@code bench fanout}, is not part of it). The live heap is read after full
 * collections: after the build, with the next version beside the serving one, half-way through every swap and at the
 * end (see {@link HeapWatch}); the last line is JSON.
 */
public final class ScaleBench {

    private ScaleBench() {}

    /** What to measure. */
    public record Options(int readers, int posts, int channels, int candidates, int newPosts, double noise, double boost,
                          long seed, int rerankReaders, int incrementVotes) {
        public Options {
            if (readers < 1 || posts < 1 || channels < 1 || newPosts < 1 || rerankReaders < 1 || incrementVotes < 1) {
                throw new IllegalArgumentException("sizes must be positive");
            }
        }
    }

    private static final int PAGE = 4096;
    private static final int PLAN_PAGE = 500;

    public static int run(Options o, PrintStream out) throws Exception {
        HeapWatch heap = HeapWatch.start();
        int threads = Runtime.getRuntime().availableProcessors();
        out.printf(Locale.ROOT, "bench scale: %d readers, %d fresh posts in %d channels, k %d, noise %.2f boost %.1f, %d cores "
                + "(a shared machine makes these numbers noisy)%n", o.readers(), o.posts(), o.channels(), o.candidates(),
                o.noise(), o.boost(), threads);
        long t0 = System.nanoTime();
        TrainedModel a = grow(o);
        out.printf(Locale.ROOT, "model of real shapes grown in %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, a);
        FreshPool pool = new FreshPool(Duration.ofDays(3), Math.max(100_000, o.posts() + o.newPosts() + 100), Clock.systemUTC());
        Instant now = Instant.now();
        for (int i = 1; i <= o.posts(); i++) {
            pool.add(new FreshPool.Entry(i, 1 + (i % o.channels()), now.minusSeconds(i % 100_000)));
        }
        long[] readers = new long[o.readers()];
        for (int i = 0; i < readers.length; i++) readers[i] = i + 1;
        long before = heap.settle();

        long readerTableBytes = a.readers().rowBytes();
        // the serving pod's registry and index, connected as Wiring connects them for ROLE=serve: the index builds from
        // the version the registry serves, and once a build is done the registry lets that version's float reader table
        // go (every reader's int8 row is in the index); each next version arrives whole, as if read from the store
        try (ModelRegistry registry = new ModelRegistry(new ScoringModel(1, a));
             CandidateIndex index = new CandidateIndex(pool, served(registry), o.candidates(), threads, o.noise(), o.boost())) {
            index.onBuilt(registry::dropReaderRows);
            Supplier<CandidateIndex.ModelVersion> current = served(registry);
            // the bench still holds model a (as before: bytes per reader count the index alone) until the new posts
            double buildSeconds = rerank(index, current.get(), readers, heap);
            double buildCpu = lastCpuSeconds;
            long after = heap.settle();
            double bytesPerReader = (double) (after - before) / o.readers();
            out.printf(Locale.ROOT, "index built for %d readers in %.1f s (%.1f s of CPU); heap %d MB before, %d MB after (%.0f bytes per reader)%n",
                    index.readers(), buildSeconds, lastCpuSeconds, before >> 20, after >> 20, bytesPerReader);

            SplittableRandom rnd = new SplittableRandom(o.seed());
            int warm = Math.max(5, o.newPosts() / 10);
            double[] ms = new double[o.newPosts()];
            double[] cpuMs = new double[o.newPosts()];
            LongPredicate nobody = r -> false;
            for (int j = 0; j < warm + o.newPosts(); j++) {
                FreshPool.Entry e = new FreshPool.Entry(o.posts() + 1L + j, 1 + rnd.nextInt(o.channels()), Instant.now());
                pool.add(e);
                long s = System.nanoTime();
                long c0 = cpuNanos();
                index.addPosts(List.of(e), Float.POSITIVE_INFINITY, nobody);
                if (j >= warm) {
                    ms[j - warm] = (System.nanoTime() - s) / 1e6;
                    cpuMs[j - warm] = (cpuNanos() - c0) / 1e6;
                }
            }
            Arrays.sort(ms);
            Arrays.sort(cpuMs);
            double p50 = ms[ms.length / 2];
            double p95 = ms[Math.min(ms.length - 1, (int) Math.ceil(ms.length * 0.95) - 1)];
            out.printf(Locale.ROOT, "new post into every set: p50 %.1f ms, p95 %.1f ms, max %.1f ms (%d posts); CPU time p50 %.1f ms, "
                    + "p95 %.1f ms (both cores together)%n", p50, p95, ms[ms.length - 1], ms.length, cpuMs[cpuMs.length / 2],
                    cpuMs[Math.min(cpuMs.length - 1, (int) Math.ceil(cpuMs.length * 0.95) - 1)]);

            // from here on the serving version keeps only what scores new posts (network, channel and post tables)
            // and the int8 rows in the index; each next version arrives whole, as if read from the trainer's store:
            // the bench makes it again from the small model and the changes so far, never by copying the served one
            a = null;
            long servedRows = servedReaderRowBytes(registry);
            out.printf(Locale.ROOT, "live heap once the registry let the reader table go: %d MB (the served version keeps "
                    + "%d MB of reader rows; the whole table was %d MB)%n", heap.settle() >> 20, servedRows >> 20, readerTableBytes >> 20);
            List<UnaryOperator<TrainedModel>> steps = new ArrayList<>();

            // a full swap: a new network and new rows (as a full training gives)
            UnaryOperator<TrainedModel> full = m -> changed(m, 1.0, o.seed() + 1, true);
            TrainedModel b = full.apply(grow(o));
            out.printf(Locale.ROOT, "live heap with the next full version beside the serving one: %d MB%n", heap.settle() >> 20);
            boolean slice = o.rerankReaders() < readers.length;
            double rerankSeconds;
            double rerankCpu;
            if (!slice) {
                registry.swap(new ScoringModel(2, b));
                b = null;
                rerankSeconds = rerank(index, current.get(), readers, heap);
                rerankCpu = lastCpuSeconds;
                out.printf(Locale.ROOT, "model swap, full re-rank: %.1f s (%.1f s of CPU)%n", rerankSeconds, rerankCpu);
                steps.add(full);
            } else {
                // the same work on the first readers only, in an index of their own (the serving one keeps version 1)
                CandidateIndex.ModelVersion v2 = new CandidateIndex.ModelVersion(2, b);
                b = null;
                try (CandidateIndex part = new CandidateIndex(pool, () -> v2, o.candidates(), threads, o.noise(), o.boost())) {
                    rerankSeconds = rerank(part, v2, Arrays.copyOf(readers, o.rerankReaders()), heap);
                    rerankCpu = lastCpuSeconds;
                }
                out.printf(Locale.ROOT, "model swap, full re-rank of %d of the %d readers: %.1f s (%.1f s of CPU); "
                        + "EXTRAPOLATED to all readers: %.0f s (%.0f s of CPU)%n", o.rerankReaders(), readers.length, rerankSeconds,
                        rerankCpu, rerankSeconds * readers.length / o.rerankReaders(), rerankCpu * readers.length / o.rerankReaders());
            }

            // incremental swaps: the rows of the readers who voted and of the posts they voted on moved; the first runs
            // code not compiled yet (the JIT took about half of its CPU at 32 k readers), the second is what a running
            // service sees swap after swap, and is the one reported as incremental_rerank_seconds
            double incrementalColdSeconds = 0;
            double incrementalColdCpu = 0;
            double incrementalSeconds = 0;
            double incrementalCpu = 0;
            Set<Long> voters = Set.of();
            Set<Long> voted = Set.of();
            for (int round = 0; round < 2; round++) {
                SplittableRandom vr = new SplittableRandom(o.seed() + 2 + 2 * round);
                Set<Long> who = new java.util.HashSet<>();
                Set<Long> what = new java.util.HashSet<>();
                long[] snapPosts = pool.snapshot().postIds();
                for (int v = 0; v < o.incrementVotes(); v++) {
                    long reader = readers[vr.nextInt(readers.length)];
                    CandidateIndex.Pick[] set = index.peek(reader);
                    who.add(reader);
                    what.add(set.length > 0 ? set[vr.nextInt(set.length)].postId() : snapPosts[vr.nextInt(snapPosts.length)]);
                }
                voters = who;
                voted = what;
                long moveSeed = o.seed() + 3 + 2 * round;
                steps.add(m -> incremented(m, who, what, moveSeed));
                TrainedModel next = grow(o);
                for (UnaryOperator<TrainedModel> step : steps) next = step.apply(next);
                registry.swap(new ScoringModel(3 + round, next));
                next = null;
                out.printf(Locale.ROOT, "live heap with the next incremental version beside the serving one: %d MB%n", heap.settle() >> 20);
                long[] moves0 = index.readerMoves();
                double seconds = rerank(index, current.get(), readers, heap);
                long[] moves = index.readerMoves();
                out.printf(Locale.ROOT, "model swap, incremental%s (%d votes: %d reader rows and %d post rows moved): %.1f s (%.1f s of CPU); "
                        + "%d readers ranked again, %d moved over with the changed posts scored again%n", round == 0 ? ", first" : "",
                        o.incrementVotes(), voters.size(), voted.size(), seconds, lastCpuSeconds, moves[0] - moves0[0], moves[1] - moves0[1]);
                if (round == 0) {
                    incrementalColdSeconds = seconds;
                    incrementalColdCpu = lastCpuSeconds;
                } else {
                    incrementalSeconds = seconds;
                    incrementalCpu = lastCpuSeconds;
                }
            }

            long p0 = System.nanoTime();
            long planCpu = cpuNanos();
            long picked = 0;
            long refills = 0;
            for (int from = 0; from < readers.length; from += PLAN_PAGE) {
                long[] page = Arrays.copyOfRange(readers, from, Math.min(readers.length, from + PLAN_PAGE));
                List<Long> refill = new ArrayList<>();
                for (long r : page) {
                    CandidateIndex.Taken t = index.take(r, 1, ReaderPreferences.NONE, true);
                    if (t.refill()) refill.add(r);
                    picked += t.picks().length;
                }
                if (!refill.isEmpty()) {
                    long[] ids = refill.stream().mapToLong(Long::longValue).toArray();
                    List<Set<Long>> seen = new ArrayList<>();
                    for (int i = 0; i < ids.length; i++) seen.add(Set.of());
                    index.fill(null, ids, seen);
                    for (long r : ids) picked += index.take(r, 1, ReaderPreferences.NONE, false).picks().length;
                    refills += ids.length;
                }
            }
            double planSeconds = (System.nanoTime() - p0) / 1e9;
            out.printf(Locale.ROOT, "planned one mailing: %d picks for %d readers (%d refilled) in %.2f s (%.2f s of CPU)%n",
                    picked, readers.length, refills, planSeconds, (cpuNanos() - planCpu) / 1e9);
            heap.settle();
            long peak = heap.stop();
            long servedRowsAtEnd = servedReaderRowBytes(registry);
            // a re-rank measured on a slice is never reported as rerank_seconds: its whole-index figure is extrapolated
            String rerank = slice
                    ? String.format(Locale.ROOT, "\"rerank_slice_readers\":%d,\"rerank_slice_seconds\":%.1f,\"rerank_slice_cpu_seconds\":%.1f,"
                            + "\"rerank_seconds_extrapolated\":%.0f,\"rerank_cpu_seconds_extrapolated\":%.0f", o.rerankReaders(),
                            rerankSeconds, rerankCpu, rerankSeconds * readers.length / o.rerankReaders(),
                            rerankCpu * readers.length / o.rerankReaders())
                    : String.format(Locale.ROOT, "\"rerank_seconds\":%.1f,\"rerank_cpu_seconds\":%.1f", rerankSeconds, rerankCpu);
            out.printf(Locale.ROOT, "{\"readers\":%d,\"posts\":%d,\"channels\":%d,\"build_seconds\":%.1f,\"build_cpu_seconds\":%.1f,"
                            + "\"new_post_ms_p50\":%.1f,\"new_post_ms_p95\":%.1f,%s,\"incremental_rerank_seconds\":%.1f,"
                            + "\"incremental_rerank_cpu_seconds\":%.1f,\"incremental_first_seconds\":%.1f,\"incremental_first_cpu_seconds\":%.1f,\"incremental_reader_rows\":%d,\"incremental_post_rows\":%d,\"plan_seconds\":%.2f,\"peak_heap_mb\":%d,\"heap_limit_mb\":%d,\"bytes_per_reader\":%.0f,"
                            + "\"rank_pairs_scored\":%d,\"rank_pairs_skipped\":%d,\"served_reader_rows_mb\":%d,\"reader_table_mb\":%d,\"load_average\":%.2f}%n",
                    o.readers(), o.posts(), o.channels(), buildSeconds, buildCpu, p50, p95, rerank, incrementalSeconds, incrementalCpu,
                    incrementalColdSeconds, incrementalColdCpu, voters.size(), voted.size(), planSeconds, peak >> 20,
                    Runtime.getRuntime().maxMemory() >> 20, bytesPerReader, index.rankedPairs()[0], index.rankedPairs()[1],
                    servedRowsAtEnd >> 20, readerTableBytes >> 20, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            return picked >= readers.length * 0.99 ? 0 : 1;
        }
    }

    /**
     * beginBuild, fill every reader page by page, finishBuild: what {@code FeedService.rebuild} does, without the database.
     * Half-way (both versions live) the heap is settled by a full collection; its time is not counted.
     */
    private static double rerank(CandidateIndex index, CandidateIndex.ModelVersion version, long[] readers, HeapWatch heap) {
        long s = System.nanoTime();
        long cpu = cpuNanos();
        long pausedNanos = 0;
        long pausedCpu = 0;
        Object build = index.beginBuild(version, readers.length);
        List<Set<Long>> none = new ArrayList<>();
        for (int i = 0; i < PAGE; i++) none.add(Set.of());
        int half = readers.length / 2 / PAGE * PAGE;
        for (int from = 0; from < readers.length; from += PAGE) {
            if (from == half && heap != null) {
                long p = System.nanoTime();
                long c = cpuNanos();
                heap.settle();
                pausedNanos += System.nanoTime() - p;
                pausedCpu += cpuNanos() - c;
            }
            long[] page = Arrays.copyOfRange(readers, from, Math.min(readers.length, from + PAGE));
            index.fill(build, page, none.subList(0, page.length));
        }
        index.finishBuild(build);
        long[] pairs = index.rankedPairs();
        System.out.printf(Locale.ROOT, "  (pairs so far: %d scored, %d skipped by pruning; live heap half-way %d MB)%n", pairs[0], pairs[1],
                heap == null ? -1 : heap.last() >> 20);
        lastCpuSeconds = (cpuNanos() - cpu - pausedCpu) / 1e9;
        return (System.nanoTime() - s - pausedNanos) / 1e9;
    }

    private static double lastCpuSeconds;

    /** CPU time of the whole process: on a shared machine a steadier measure of work than the wall clock. */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /**
     * A model of the real shapes: a small model trained on synthetic votes, its rows resampled (with a little
     * noise) to {@code readers}, {@code channels} and {@code posts} rows, so scores spread as a trained model's do.
     */
    static TrainedModel grow(Options o) {
        ModelConfig config = ModelConfig.defaults();
        if (small == null || smallSeed != o.seed()) {
            small = new Trainer(config).train(SyntheticVotes.generate(20_000, o.seed()).votes(0, 20_000)).model();
            smallSeed = o.seed();
        }
        SplittableRandom r = new SplittableRandom(o.seed());
        return new TrainedModel(config, small.network().copy(), resample(small.readers(), o.readers(), r),
                resample(small.channels(), o.channels(), r), resample(small.posts(), o.posts() + o.newPosts() + 100, r));
    }

    private static EmbeddingTable resample(EmbeddingTable from, int rows, SplittableRandom r) {
        int dim = from.dim();
        int n = Math.max(1, from.size());
        float[] row = new float[dim];
        EmbeddingTable to = new EmbeddingTable(dim, rows);
        for (int i = 1; i <= rows; i++) {
            from.copyRowInto(from.size() == 0 ? -1 : r.nextInt(n), row, 0);
            to.addIfAbsent(i, (block, off, d) -> {
                for (int j = 0; j < d; j++) block[off + j] = row[j] * (float) (1 + 0.2 * r.nextGaussian());
            });
        }
        to.updatePrior();
        return to;
    }

    /** The small trained model {@link #grow} resamples (kept, so that growing again gives the very same rows). */
    private static TrainedModel small;
    private static long smallSeed;

    /** Wiring's model supplier: the version the registry serves now. */
    private static Supplier<CandidateIndex.ModelVersion> served(ModelRegistry registry) {
        return () -> {
            try (ModelRegistry.Lease lease = registry.current()) {
                return new CandidateIndex.ModelVersion(lease.model().version(), lease.model().model());
            }
        };
    }

    /** Bytes of reader rows the registry's served version holds (0 once they are dropped). */
    private static long servedReaderRowBytes(ModelRegistry registry) {
        try (ModelRegistry.Lease lease = registry.current()) {
            return lease.model().model().readers().rowBytes();
        }
    }

    /**
     * The next version of {@code m}: a {@code share} of reader and post rows moved a little (in place: {@code m} is a fresh model),
     * and with {@code newNetwork} a network moved too (a full training); without, the very same network.
     */
    private static TrainedModel changed(TrainedModel m, double share, long seed, boolean newNetwork) {
        SplittableRandom r = new SplittableRandom(seed);
        Network net = m.network();
        if (newNetwork) {
            net = net.copy();
            for (int i = 0; i < net.w1.length; i++) net.w1[i] *= (float) (1 + 0.1 * r.nextGaussian());
        }
        return new TrainedModel(m.config(), net, move(m.readers(), share, r), m.channels(), move(m.posts(), share, r));
    }

    /**
     * {@code m} with the rows of {@code readers} and {@code posts} moved a little, in place ({@code m} is a fresh model
     * of its own); each row's move depends only on its id and {@code seed}, so that making a version again gives it.
     */
    private static TrainedModel incremented(TrainedModel m, Set<Long> readers, Set<Long> posts, long seed) {
        return new TrainedModel(m.config(), m.network(), move(m.readers(), readers, seed), m.channels(), move(m.posts(), posts, seed));
    }

    private static EmbeddingTable move(EmbeddingTable t, Set<Long> ids, long seed) {
        for (long id : ids) {
            int row = t.rowOf(id);
            if (row < 0) continue;
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + id);
            float[] block = t.block(row);
            int off = t.offset(row);
            for (int j = 0; j < t.dim(); j++) block[off + j] *= (float) (1 + 0.1 * r.nextGaussian());
        }
        return t;
    }

    private static EmbeddingTable move(EmbeddingTable t, double share, SplittableRandom r) {
        for (int row = 0; row < t.size(); row++) {
            if (share < 1 && r.nextDouble() >= share) continue;
            float[] block = t.block(row);
            int off = t.offset(row);
            for (int j = 0; j < t.dim(); j++) block[off + j] *= (float) (1 + 0.1 * r.nextGaussian());
        }
        return t;
    }

    /**
     * The live heap: what is in use right after a full collection (an explicit one at the bench's chosen moments, or
     * one the JVM ran on its own), its maximum kept. Young collections are not counted: after one, the old generation
     * still holds objects already dead (a whole old model version, say) until the next mixed or full collection.
     */
    static final class HeapWatch {
        private final AtomicLong peak = new AtomicLong();
        private final AtomicLong last = new AtomicLong();
        private final List<Runnable> stops = new ArrayList<>();

        static HeapWatch start() {
            HeapWatch w = new HeapWatch();
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (!(gc instanceof NotificationEmitter emitter)) continue;
                NotificationListener l = (n, h) -> {
                    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) return;
                    var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                    if (!"end of major GC".equals(info.getGcAction())) return;
                    long used = info.getGcInfo().getMemoryUsageAfterGc().values().stream().mapToLong(MemoryUsage::getUsed).sum();
                    w.peak.accumulateAndGet(used, Math::max);
                };
                emitter.addNotificationListener(l, null, null);
                w.stops.add(() -> {
                    try {
                        emitter.removeNotificationListener(l);
                    } catch (Exception ignored) {
                        // already gone
                    }
                });
            }
            return w;
        }

        /** A full collection now; the heap in use after it (the live set). */
        long settle() {
            System.gc();
            long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            peak.accumulateAndGet(used, Math::max);
            last.set(used);
            return used;
        }

        /** The live heap at the last {@link #settle}. */
        long last() {
            return last.get();
        }

        long stop() {
            stops.forEach(Runnable::run);
            return peak.get();
        }
    }
}
