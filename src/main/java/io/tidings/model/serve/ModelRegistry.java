package io.tidings.model.serve;

import io.tidings.model.ModelConfig;
import io.tidings.model.TrainedModel;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Holds the current {@link ScoringModel} and swaps in new versions atomically. Users take a
 * {@link Lease} from {@link #current()} and close it when done; a replaced model's ONNX session closes
 * after its last lease is released, never while a run is in flight.
 */
public final class ModelRegistry implements AutoCloseable {
    private final AtomicReference<ScoringModel> current;

    public ModelRegistry(ScoringModel initial) {
        this.current = new AtomicReference<>(Objects.requireNonNull(initial, "initial"));
    }

    /** A registry serving an untrained model (version 0, every score 0.5) until the first trained one. */
    public static ModelRegistry coldStart(ModelConfig config) {
        return new ModelRegistry(new ScoringModel(0, TrainedModel.untrained(config, config.seed())));
    }

    /** Leases the current model; close the lease (try-with-resources) when done. */
    public Lease current() {
        while (true) {
            ScoringModel m = current.get();
            if (m == null) {
                throw new IllegalStateException("registry is closed");
            }
            if (m.tryAcquire()) {
                return new Lease(m);
            }
            // m was swapped out and fully released between get and acquire: read the new one
        }
    }

    /** The version currently served. */
    public long version() {
        try (Lease lease = current()) {
            return lease.model().version();
        }
    }

    /**
     * Makes {@code next} current and returns at once; the previous model closes when its last lease is
     * released. Ownership of {@code next} passes to the registry.
     */
    public void swap(ScoringModel next) {
        Objects.requireNonNull(next, "next");
        ScoringModel old;
        do {
            old = current.get();
            if (old == null) {
                next.close();
                throw new IllegalStateException("registry is closed");
            }
        } while (!current.compareAndSet(old, next));
        old.close();
    }

    /**
     * For a serving pod (ROLE=serve), once the candidate index holds the {@code hu} row of every reader it ranked with
     * {@code version}: serves the same version without its reader rows ({@link TrainedModel#withoutReaderRows()}), so
     * the float reader table is let go when the last lease on the whole version is released. Does nothing when another
     * version is served by now, or the rows are dropped already; returns whether it dropped them. Never blocks.
     */
    public boolean dropReaderRows(long version) {
        ScoringModel old = current.get();
        if (old == null || old.version() != version || !old.model().keepsReaderRows()) {
            return false;
        }
        ScoringModel next = old.withoutReaderRows();
        if (!current.compareAndSet(old, next)) {
            next.close(); // swapped meanwhile: the newer version keeps its rows until its own build
            return false;
        }
        old.close();
        return true;
    }

    /**
     * One reader against many candidate posts with the current model; see {@link ScoringModel#scorePosts}. Throws
     * {@link IllegalStateException} once the reader rows are dropped ({@link #dropReaderRows}): a serving pod scores
     * readers through the candidate index.
     */
    public float[] scorePosts(long reader, long[] channels, long[] posts) {
        try (Lease lease = current()) {
            return lease.model().scorePosts(reader, channels, posts);
        }
    }

    /** Stops serving; the current model closes after its last lease. */
    @Override
    public void close() {
        ScoringModel m = current.getAndSet(null);
        if (m != null) {
            m.close();
        }
    }

    /** Keeps one model version open until closed; closing twice is harmless. */
    public static final class Lease implements AutoCloseable {
        private final ScoringModel model;
        private boolean released;

        private Lease(ScoringModel model) {
            this.model = model;
        }

        public ScoringModel model() {
            if (released) {
                throw new IllegalStateException("lease already released");
            }
            return model;
        }

        @Override
        public void close() {
            if (!released) {
                released = true;
                model.release();
            }
        }
    }
}
