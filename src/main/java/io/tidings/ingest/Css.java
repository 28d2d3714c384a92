package io.tidings.ingest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jsoup.select.Evaluator;
import org.jsoup.select.Selector;

/**
 * CSS selectors of the t.me page readers, each parsed once. jsoup parses a selector string again on every
 * {@code select}: that was a third of the CPU of reading a page (ThousandChannelsTest, JFR). Evaluators are
 * thread-safe. The readers pass their own constants, so the cache holds a few dozen; past {@link #LIMIT} a selector
 * is parsed each time rather than kept, so a caller that builds selectors from page data cannot grow it.
 */
final class Css {

    static final int LIMIT = 256;
    private static final Map<String, Evaluator> PARSED = new ConcurrentHashMap<>();

    private Css() {
    }

    static Evaluator css(String selector) {
        Evaluator e = PARSED.get(selector);
        if (e != null) return e;
        return PARSED.size() < LIMIT ? PARSED.computeIfAbsent(selector, Selector::evaluatorOf) : Selector.evaluatorOf(selector);
    }

    /** How many selectors are kept (for the test of the limit). */
    static int kept() {
        return PARSED.size();
    }
}
