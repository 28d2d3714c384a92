package io.tidings.console;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import reactor.core.publisher.Mono;

/**
 * The model and quality views: versions with their training summary (parsed into fields) and the AUC of each
 * version's scores, and like rates by delivery kind and by model version.
 */
final class ModelViews {

    private static final Pattern SUMMARY_FIELD = Pattern.compile("(\\w+)=([^,\\]]+)");

    private final ConsoleStore store;
    private final LongSupplier serving;

    ModelViews(ConsoleStore store, LongSupplier serving) {
        this.store = store;
        this.serving = serving;
    }

    /**
     * Versions with their training summary, and the AUC of each version's stored scores on the newest votes (computed
     * by the rollup loop every few minutes).
     */
    Mono<Object> model() {
        return Mono.zip(store.modelVersions(), store.aucAllVersions()).map(t -> {
            List<Map<String, Object>> versions = new ArrayList<>();
            for (Map<String, Object> v : t.getT1()) {
                Map<String, Object> m = new LinkedHashMap<>(v);
                Object summary = m.remove("summary");
                if (summary != null) {
                    Matcher f = SUMMARY_FIELD.matcher(summary.toString());
                    while (f.find()) m.put(snake(f.group(1)), number(f.group(2)));
                }
                versions.add(m);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("serving", serving.getAsLong());
            out.put("versions", versions);
            Map<String, Object> all = t.getT2().isEmpty() ? Map.of() : t.getT2().get(0);
            out.put("auc_newest_votes", all.get("auc"));
            out.put("auc_sample", all.getOrDefault("votes", 0L));
            out.put("auc_at", all.get("at"));
            return out;
        });
    }

    /** Votes and likes grouped by delivery kind and by model version (from rows grouped by both). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> qualityByKindAndVersion(Map<String, Object> m) {
        Map<String, long[]> byKind = new TreeMap<>();
        Map<String, long[]> byVersion = new TreeMap<>();
        for (Map<String, Object> row : (List<Map<String, Object>>) m.remove("by_kind_and_version")) {
            long votes = ((Number) row.get("votes")).longValue();
            long likes = ((Number) row.get("likes")).longValue();
            String kind = String.valueOf(row.get("kind"));
            String version = row.get("version") == null ? "older" : row.get("version").toString();
            add(byKind.computeIfAbsent(kind, k -> new long[2]), votes, likes);
            add(byVersion.computeIfAbsent(version, k -> new long[2]), votes, likes);
        }
        m.put("by_kind", rates(byKind, "kind"));
        m.put("by_version", rates(byVersion, "version"));
        return m;
    }

    private static void add(long[] acc, long votes, long likes) {
        acc[0] += votes;
        acc[1] += likes;
    }

    private static List<Map<String, Object>> rates(Map<String, long[]> groups, String key) {
        List<Map<String, Object>> out = new ArrayList<>();
        groups.forEach((k, v) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(key, k);
            m.put("votes", v[0]);
            m.put("likes", v[1]);
            m.put("like_rate", v[0] == 0 ? 0 : (double) v[1] / v[0]);
            out.add(m);
        });
        return out;
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static Object number(String s) {
        if (s.equals("-")) return List.of();
        if (s.contains(" ")) return Arrays.stream(s.trim().split(" +")).map(ModelViews::number).toList();
        try {
            return s.contains(".") || s.contains("NaN") ? (Object) Double.parseDouble(s) : (Object) Long.parseLong(s);
        } catch (NumberFormatException e) {
            return s.equals("true") || s.equals("false") ? Boolean.parseBoolean(s) : s;
        }
    }
}
