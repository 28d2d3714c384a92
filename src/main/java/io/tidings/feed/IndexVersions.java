package io.tidings.feed;

import io.tidings.model.TrainedModel;
import java.util.function.Supplier;

/**
 * The model versions the candidate sets belong to: at most two live at once, by the index a slot's {@code gen} byte
 * holds (the serving one and the one being built). A build moves readers over in place; finishing it drops the sets
 * of the readers it did not reach and lets the old version go. Guarded by the slots' lock ({@link ReaderSlots#lock}).
 */
final class IndexVersions {
    private final ReaderSlots slots;
    private final FreshPool pool;
    private final ArrivalLog log;
    private final Supplier<CandidateIndex.ModelVersion> models;
    /** Replaced, never written. */
    private volatile Generation[] gens = new Generation[2];
    private volatile int current = -1;
    private volatile int target = -1;

    IndexVersions(ReaderSlots slots, FreshPool pool, ArrivalLog log, Supplier<CandidateIndex.ModelVersion> models) {
        this.slots = slots;
        this.pool = pool;
        this.log = log;
        this.models = models;
    }

    /** The live versions as they are now, by {@code gen} byte (a slot at {@link ReaderBlock#NONE} has none). */
    Generation[] all() {
        return gens;
    }

    /** The version of a slot's {@code gen} byte, or null for none. */
    Generation of(byte gen) {
        return gen < 0 ? null : gens[gen];
    }

    /** The model version of the serving candidates, or -1 before the first build. */
    long version() {
        int c = current;
        return c < 0 ? -1 : gens[c].version;
    }

    /** Starts a build of {@code model}, finishing one still running first; see {@link CandidateIndex#beginBuild}. */
    Generation begin(CandidateIndex.ModelVersion model) {
        slots.lock.lock();
        try {
            if (target >= 0) finish(target);
            Generation cur = current >= 0 ? gens[current] : null;
            // the same version again (posts were dropped on arrival) is ranked in full
            boolean incremental = cur != null && cur.version != model.version() && cur.sameNetwork(model.model().network());
            Generation g = new Generation(model, incremental ? cur.seed : model.version());
            if (cur != null && cur.hidden() != g.hidden()) {
                slots.dropAll(); // a new hidden size: no row carries over
                cur = null;
                current = -1;
                gens = new Generation[2];
            }
            if (incremental) g.diff(cur, pool.snapshot());
            g.startSeq = log.seq();
            if (cur != null) cur.retire();
            int gi = current >= 0 ? 1 - current : 0;
            Generation[] next = gens.clone();
            next[gi] = g;
            gens = next;
            target = gi;
            return g;
        } finally {
            slots.lock.unlock();
        }
    }

    /** Makes the build the serving version when it still is the one being built; returns whether it did. */
    boolean finish(Generation build) {
        slots.lock.lock();
        try {
            int gi = indexOf(build);
            if (gi < 0 || gi != target) return false;
            finish(gi);
            return true;
        } finally {
            slots.lock.unlock();
        }
    }

    private void finish(int gi) {
        slots.dropAllBut(gi);
        Generation[] next = new Generation[2];
        next[gi] = gens[gi];
        next[gi].parent = null;
        // every reader it reached has its int8 row in the index now: the float reader table can go
        next[gi].retire();
        gens = next;
        current = gi;
        target = -1;
    }

    /**
     * Whether a row stored under {@code gen} is {@code g}'s row: it is {@code g}'s own, or that of a live version of the same
     * model version and network (the same version ranked again, e.g. after arrivals were dropped, from a model kept without
     * its reader rows: the row the last build stored is the one to rank with).
     */
    boolean rowsOf(byte gen, Generation g) {
        Generation o = of(gen);
        return o == g || o != null && o.version == g.version && g.sameNetwork(o.net);
    }

    /** The {@code gen} byte of a live version, or -1 when it is no longer live (or null). */
    int indexOf(Generation g) {
        Generation[] gs = gens;
        for (int i = 0; i < gs.length; i++) if (gs[i] == g && g != null) return i;
        return -1;
    }

    /** The version readers are ranked with: the build's, else the serving one, else the current model's. */
    Generation ranking() {
        slots.lock.lock();
        try {
            if (target >= 0) return gens[target];
            if (current >= 0) return gens[current];
            CandidateIndex.ModelVersion mv = models.get();
            Generation g = new Generation(mv, mv.version());
            Generation[] next = new Generation[2];
            next[0] = g;
            gens = next;
            current = 0;
            return g;
        } finally {
            slots.lock.unlock();
        }
    }

    /**
     * Where a version that let its reader table go takes the row of a reader it has none of in the index (new, or left
     * behind by a swap): the model now served ({@code models}) when it is this version or one with the very same network
     * (an increment: its rows are this version's, newer), else none (a model of another network waits for its build).
     * In a serving pod (ROLE=serve) the model served after its build keeps no reader rows, only the prior: a reader the
     * index has no row of is then ranked as a new reader.
     */
    TrainedModel rowSource(Generation g) {
        CandidateIndex.ModelVersion mv = models.get();
        if (mv == null) return null;
        return mv.version() == g.version || g.sameNetwork(mv.model().network()) ? mv.model() : null;
    }
}
