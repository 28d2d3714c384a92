package io.tidings.model.serve;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts ONNX Runtime tensors and results opened and closed by this package, so tests can prove none leak
 * (ONNX Runtime Java has no cleaner: an unclosed tensor or result is leaked native memory).
 */
final class NativeCounts {
    static final AtomicLong TENSORS_OPENED = new AtomicLong();
    static final AtomicLong TENSORS_CLOSED = new AtomicLong();
    static final AtomicLong RESULTS_OPENED = new AtomicLong();
    static final AtomicLong RESULTS_CLOSED = new AtomicLong();

    private NativeCounts() {
    }

    /** Tensors plus results opened and not (yet) closed. */
    static long open() {
        return TENSORS_OPENED.get() - TENSORS_CLOSED.get() + RESULTS_OPENED.get() - RESULTS_CLOSED.get();
    }
}
