package io.tidings.ingest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jsoup.select.Evaluator;
import org.jsoup.select.QueryParser;

/**
 * CSS selectors of the t.me page readers, each parsed once. jsoup parses a selector string again on every
 * {@code select}: that was a third of the CPU of reading a page (ThousandChannelsTest, JFR). Evaluators are
 * thread-safe; the selectors are the readers' own constants, so the cache stays as small as their list.
 */
final class Css {

    private static final Map<String, Evaluator> PARSED = new ConcurrentHashMap<>();

    private Css() {
    }

    static Evaluator css(String selector) {
        Evaluator e = PARSED.get(selector);
        return e != null ? e : PARSED.computeIfAbsent(selector, QueryParser::parse);
    }
}
