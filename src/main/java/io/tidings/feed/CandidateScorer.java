package io.tidings.feed;

/**
 * Scores one reader against many candidate posts: P(👍) per post. Blocking CPU work (ONNX Runtime):
 * callers run it on the scoring scheduler, never on an event loop.
 */
@FunctionalInterface
public interface CandidateScorer {

    float[] score(long reader, long[] channels, long[] posts);
}
