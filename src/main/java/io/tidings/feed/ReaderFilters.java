package io.tidings.feed;

import io.tidings.store.ReaderControlRepository;
import java.util.ArrayList;
import java.util.List;

/**
 * One reader's word filters as term sequences: a post containing any excluded phrase is dropped; when the reader
 * requires phrases, a post must contain at least one of them.
 */
record ReaderFilters(int[][] exclude, int[][] require) {

    static ReaderFilters of(Iterable<ReaderControlRepository.Filter> filters) {
        List<int[]> ex = new ArrayList<>();
        List<int[]> req = new ArrayList<>();
        for (ReaderControlRepository.Filter f : filters) {
            int[] terms = Terms.of(f.phrase());
            if (terms.length == 0) continue;
            (f.require() ? req : ex).add(terms);
        }
        return new ReaderFilters(ex.toArray(int[][]::new), req.toArray(int[][]::new));
    }

    boolean admits(PostFacts.Facts post) {
        for (int[] phrase : exclude) if (Terms.contains(post.terms(), phrase, post.sortedTerms())) return false;
        if (require.length == 0) return true;
        for (int[] phrase : require) if (Terms.contains(post.terms(), phrase, post.sortedTerms())) return true;
        return false;
    }
}
