package io.tidings.model;

import java.util.SplittableRandom;

/**
 * Rough scoring throughput (not a JMH benchmark): one reader against {@code posts} candidates with the seed
 * model, through ONNX Runtime ({@link ScoringModel#scorePosts}) and the Java fast path.
 * Run: {@code java -cp target/classes:$(cat cp.txt) io.tidings.model.ScoringBench [posts] [seconds]}.
 */
public final class ScoringBench {
    private ScoringBench() {
    }

    public static void main(String[] args) {
        int posts = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
        ModelConfig config = ModelConfig.defaults();
        SplittableRandom rng = new SplittableRandom(1);
        java.util.List<Vote> votes = new java.util.ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            votes.add(new Vote(rng.nextInt(1000), rng.nextInt(200), rng.nextInt(posts), rng.nextBoolean()));
        }
        TrainedModel model = new Trainer(config.toBuilder().maxEpochs(1).build()).train(votes).model();
        long[] channels = new long[posts];
        long[] postIds = new long[posts];
        for (int i = 0; i < posts; i++) {
            channels[i] = rng.nextInt(200);
            postIds[i] = i;
        }
        try (ScoringModel scoring = new ScoringModel(1, model)) {
            report("onnx  scorePosts", posts, seconds, r -> scoring.scorePosts(r, channels, postIds));
            report("java  scorePostsJava (factorized)", posts, seconds, r -> model.scorePostsJava(r, channels, postIds));
        }
    }

    private interface Call {
        float[] run(long reader);
    }

    private static void report(String name, int posts, double seconds, Call call) {
        float sink = 0;
        for (int i = 0; i < 50; i++) {
            sink += call.run(i % 1000)[0]; // warm-up
        }
        long calls = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            sink += call.run(calls % 1000)[0];
            calls++;
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf("%-36s %d posts: %8.2f calls/s  %6.2f M pairs/s  %.3f ms/call  (%s)%n", name, posts,
                calls / elapsed, calls * posts / elapsed / 1e6, 1e3 * elapsed / calls, sink > 0 ? "ok" : "?");
    }
}
