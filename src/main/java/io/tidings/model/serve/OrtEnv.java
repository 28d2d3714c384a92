package io.tidings.model.serve;

import ai.onnxruntime.OrtEnvironment;

/**
 * The process-wide ONNX Runtime environment, created once on a thread with a large stack: on this
 * machine (ONNX Runtime 1.29.0, JDK 17) the first {@code OrtEnvironment.getEnvironment()} crashes the JVM
 * with SIGSEGV on a thread with the default 1 MB stack (it works with 4 MB). Later sessions and runs are
 * fine on ordinary threads.
 */
public final class OrtEnv {
    private static final long INIT_STACK_BYTES = 32L << 20;
    private static volatile OrtEnvironment env;

    private OrtEnv() {
    }

    public static OrtEnvironment get() {
        OrtEnvironment e = env;
        if (e != null) {
            return e;
        }
        synchronized (OrtEnv.class) {
            if (env == null) {
                OrtEnvironment[] created = new OrtEnvironment[1];
                Throwable[] failure = new Throwable[1];
                Thread t = new Thread(null, () -> {
                    try {
                        created[0] = OrtEnvironment.getEnvironment();
                    } catch (Throwable x) {
                        failure[0] = x;
                    }
                }, "onnxruntime-init", INIT_STACK_BYTES);
                t.setDaemon(true);
                t.start();
                boolean interrupted = false;
                while (true) {
                    try {
                        t.join();
                        break;
                    } catch (InterruptedException ie) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                if (failure[0] != null) {
                    throw new IllegalStateException("cannot initialise ONNX Runtime", failure[0]);
                }
                env = created[0];
            }
            return env;
        }
    }
}
