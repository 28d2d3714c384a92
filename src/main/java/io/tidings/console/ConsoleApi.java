package io.tidings.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.pengrad.telegrambot.model.request.InlineKeyboardButton;
import com.pengrad.telegrambot.model.request.InlineKeyboardMarkup;
import com.pengrad.telegrambot.request.BaseRequest;
import io.tidings.ingest.Catalogue;
import io.tidings.ingest.ChannelNames;
import io.tidings.render.PostRenderer;
import io.tidings.render.RenderedPost;
import io.tidings.store.ChannelRepository;
import io.tidings.store.Post;
import io.tidings.store.PostRepository;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.DoubleSupplier;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The console's JSON views ({@code GET /console/api/<view>}) and actions ({@code POST /console/api/<action>}).
 * Each action is written to the audit table with the operator who did it.
 */
public final class ConsoleApi {

    /** A request the console cannot carry out as asked: answered 400 with the message. */
    public static final class BadRequest extends RuntimeException {
        public BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * One post in a reader's candidate set, as the ranker holds it: the model's score, the exploration noise, the
     * reader's penalty factor for the channel ("less" presses) and the key it is ranked by
     * ({@code score · penaltyFactor + noise}).
     */
    public record Candidate(long postId, long channelId, float score, float noise, float penaltyFactor, float key) {}

    /**
     * What only the running replica knows: a reader's candidates, the configured send rate, the 429s it saw and the
     * model version it serves, and its broadcast loop, which schedules a broadcast (the bot's /broadcast does the same)
     * and starts one due now at once.
     */
    public record Live(LongFunction<List<Candidate>> candidates, DoubleSupplier sendRate, LongSupplier rateLimited,
                       LongSupplier modelVersion, BroadcastScheduler broadcasts) {
        public static Live none() {
            return new Live(r -> List.of(), () -> 0, () -> 0, () -> 0,
                    (post, at, operator) -> Mono.error(new IllegalStateException("no broadcast loop here")));
        }
    }

    /** Schedules {@code postId} for every active reader at {@code at}; emits the broadcast's id. */
    @FunctionalInterface
    public interface BroadcastScheduler {
        Mono<Long> schedule(long postId, Instant at, long operator);
    }

    private static final Pattern LINK = Pattern.compile("(?:https?://)?(?:t\\.me|telegram\\.me)/(?:s/)?([A-Za-z0-9_]{4,32})/(\\d{1,12})/?");
    private static final Pattern SUMMARY_FIELD = Pattern.compile("(\\w+)=([^,\\]]+)");

    private final ConsoleStore store;
    private final Catalogue catalogue;
    private final PostRepository posts;
    private final ChannelRepository channels;
    private final PostRenderer renderer;
    private final Live live;

    public ConsoleApi(ConsoleStore store, Catalogue catalogue, PostRepository posts, ChannelRepository channels,
                      PostRenderer renderer, Live live) {
        this.store = store;
        this.catalogue = catalogue;
        this.posts = posts;
        this.channels = channels;
        this.renderer = renderer;
        this.live = live;
    }

    /** A view, or {@link #NOT_FOUND}. */
    public Mono<Object> get(String path, String query) {
        String[] parts = path.split("/");
        Mono<?> view = switch (parts[0]) {
            case "overview" -> store.overview().map(m -> {
                m.put("send_rate_limit", live.sendRate().getAsDouble());
                m.put("rate_limited_429", live.rateLimited().getAsLong());
                m.put("model_version", live.modelVersion().getAsLong());
                m.put("at", Instant.now().toString());
                return m;
            });
            case "quality" -> store.quality().map(ConsoleApi::qualityByKindAndVersion);
            case "model" -> model();
            case "channels" -> store.channels().map(m -> m);
            case "readers" -> parts.length == 1
                    ? store.findReaders(Optional.ofNullable(Console.queryParam(query, "q")).orElse("")).map(l -> Map.of("readers", l))
                    : inspector(id(parts[1]));
            case "broadcasts" -> store.broadcasts().map(l -> Map.of("broadcasts", l));
            case "preview" -> preview(Console.queryParam(query, "post"), Console.queryParam(query, "text"),
                    Optional.ofNullable(Console.queryParam(query, "lang")).orElse("en"));
            case "audit" -> store.audit().map(l -> Map.of("audit", l));
            default -> Mono.just(NOT_FOUND);
        };
        return view.map(o -> (Object) o).defaultIfEmpty(NOT_FOUND);
    }

    /** What {@link #get} and {@link #post} emit for a path that names no view or action, or an unknown id. */
    static final Object NOT_FOUND = new Object();

    /** An action by {@code operator}, audited; null when there is no such action. */
    Mono<Object> post(String path, JsonNode body, long operator) {
        String[] p = path.split("/");
        Mono<Map<String, Object>> done = switch (p.length == 3 ? p[0] + "/" + p[2] : p.length == 1 ? p[0] : "") {
            case "channels/approve" -> catalogue.approve(p[1]).flatMap(ok -> audited(operator, "approve_channel", p[1], null, ok));
            case "channels/reject" -> catalogue.reject(p[1]).flatMap(ok -> audited(operator, "reject_channel", p[1], null, ok));
            case "readers/ban" -> store.ban(id(p[1]), operator).flatMap(ok -> audited(operator, "ban_reader", p[1], null, ok));
            case "readers/unban" -> store.unban(id(p[1])).flatMap(ok -> audited(operator, "unban_reader", p[1], null, ok));
            case "broadcasts/cancel" -> store.cancelBroadcast(id(p[1]))
                    .flatMap(ok -> audited(operator, "cancel_broadcast", p[1], null, ok));
            case "broadcasts" -> schedule(body, operator);
            default -> null;
        };
        return done == null ? Mono.just(NOT_FOUND) : done.map(m -> (Object) m);
    }

    private Mono<Map<String, Object>> audited(long operator, String action, String target, String detail, boolean changed) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("changed", changed);
        if (!changed) return Mono.just(out);
        return store.audit(operator, action, target, detail).thenReturn(out);
    }

    private Mono<Map<String, Object>> schedule(JsonNode body, long operator) {
        String ref = body.path("post").asText("");
        String when = body.path("at").asText("now");
        Instant now = Instant.now();
        Instant at;
        try {
            at = when.equals("now") ? now : Instant.parse(when);
        } catch (DateTimeParseException e) {
            return Mono.error(new BadRequest("'at' must be 'now' or an ISO instant"));
        }
        if (at.isBefore(now.minusSeconds(60)) || at.isAfter(now.plus(Duration.ofDays(30)))) {
            return Mono.error(new BadRequest("a broadcast goes out between now and 30 days from now"));
        }
        Instant sendAt = at.isBefore(now) ? now : at;
        String text = body.path("text").asText("");
        Mono<Long> postId;
        if (!text.isBlank()) {
            if (!ref.isBlank()) return Mono.error(new BadRequest("a broadcast is a stored post or a text, not both"));
            String checked = announcementText(text);
            postId = store.storeAnnouncement(checked, PostRenderer.announcementHtml(checked));
        } else {
            postId = findPost(ref).switchIfEmpty(Mono.error(new BadRequest("no stored post " + ref))).map(Post::id);
        }
        return postId.flatMap(post -> live.broadcasts().schedule(post, sendAt, operator)
                .flatMap(id -> store.audit(operator, "schedule_broadcast", Long.toString(id),
                                (text.isBlank() ? "post " : "text as post ") + post + " at " + sendAt)
                        .thenReturn(Map.<String, Object>of("id", id, "post_id", post, "send_at", sendAt.toString()))));
    }

    /** Longest announcement: with its header and date it fits one Telegram message, never cut. */
    static final int ANNOUNCEMENT_MAX = 3000;

    private static String announcementText(String text) {
        String t = text.strip();
        if (t.isEmpty()) throw new BadRequest("the text is empty");
        if (t.length() > ANNOUNCEMENT_MAX || PostRenderer.announcementHtml(t).length() > ANNOUNCEMENT_MAX + 500) {
            throw new BadRequest("a broadcast text holds at most " + ANNOUNCEMENT_MAX + " characters");
        }
        return t;
    }

    /** A post by link ({@code https://t.me/name/123}) or by its id in the database. */
    private Mono<Post> findPost(String ref) {
        String r = ref == null ? "" : ref.strip();
        Matcher link = LINK.matcher(r);
        if (link.matches()) {
            Optional<String> name = ChannelNames.normalize(link.group(1));
            if (name.isEmpty()) return Mono.empty();
            long messageId = Long.parseLong(link.group(2));
            return channels.findByUsername(name.get()).flatMap(c -> posts.between(c.id(), messageId, messageId).next());
        }
        if (r.matches("#?\\d{1,18}")) return posts.find(Long.parseLong(r.replace("#", "")));
        return Mono.empty();
    }

    /** The messages a reader would get for this post, rendered by the same code as a delivery. */
    private Mono<Object> preview(String ref, String composed, String lang) {
        Mono<Post> found;
        if (composed != null && !composed.isBlank()) {
            // the post the broadcast will store, rendered by the same code before it is stored
            String t;
            try {
                t = announcementText(composed);
            } catch (BadRequest e) {
                return Mono.error(e);
            }
            found = Mono.just(new Post(0, 0, PostRenderer.ANNOUNCEMENTS, "📢", 0, Instant.now(), io.tidings.store.PostKind.TEXT,
                    t, PostRenderer.announcementHtml(t), List.of(), 0, null));
        } else {
            found = findPost(ref).switchIfEmpty(Mono.error(new BadRequest("no stored post " + ref)));
        }
        return found.map(post -> {
            RenderedPost rendered = renderer.renderPost(0L, lang.equals("ru") ? "ru" : "en", post);
            List<Map<String, Object>> messages = new ArrayList<>();
            for (BaseRequest<?, ?> request : rendered.all()) {
                Map<String, Object> params = request.getParameters();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("method", request.getMethod());
                Object text = params.containsKey("text") ? params.get("text") : params.get("caption");
                m.put("html", text == null ? "" : text.toString());
                if (params.get("photo") instanceof String photo) m.put("photo", photo);
                if (request.getMethod().equals("sendMediaGroup")) m.put("photos", post.mediaUrls());
                if (params.get("reply_markup") instanceof InlineKeyboardMarkup k) {
                    List<List<String>> rows = new ArrayList<>();
                    for (InlineKeyboardButton[] row : k.inlineKeyboard()) rows.add(Arrays.stream(row).map(InlineKeyboardButton::text).toList());
                    m.put("buttons", rows);
                }
                messages.add(m);
            }
            boolean announcement = PostRenderer.ANNOUNCEMENTS.equals(post.channelUsername());
            return Map.of("post", Map.of("id", post.id(), "channel", post.channelUsername(),
                            "permalink", announcement ? "" : post.permalink()),
                    "messages", messages);
        });
    }

    private Mono<Object> inspector(long reader) {
        // the ranker's candidate sets are read under their locks, never on an event loop (the database's emits here)
        return store.reader(reader).flatMap(r -> Mono.fromCallable(() -> live.candidates().apply(reader))
                .subscribeOn(Schedulers.boundedElastic()).flatMap(candidates -> {
            long[] ids = candidates.stream().mapToLong(Candidate::postId).toArray();
            return Mono.zip(store.postsById(ids), store.penalties(reader), store.recentDeliveries(reader), store.recentVotes(reader))
                    .map(t -> {
                        Map<Long, Map<String, Object>> byId = new HashMap<>();
                        t.getT1().forEach(p -> byId.put(((Number) p.get("id")).longValue(), p));
                        Map<Long, Object> penalty = new HashMap<>();
                        t.getT2().forEach(p -> penalty.put(((Number) p.get("channel_id")).longValue(), p.get("weight")));
                        List<Map<String, Object>> list = new ArrayList<>();
                        int rank = 1;
                        for (Candidate c : candidates) {
                            Map<String, Object> m = new LinkedHashMap<>();
                            Map<String, Object> p = byId.getOrDefault(c.postId(), Map.of());
                            m.put("rank", rank++);
                            m.put("post_id", c.postId());
                            m.put("channel", p.get("channel"));
                            m.put("text", p.get("text"));
                            m.put("score", c.score());
                            m.put("noise", c.noise());
                            m.put("penalty_factor", c.penaltyFactor());
                            m.put("key", c.key());
                            m.put("less_weight", penalty.getOrDefault(c.channelId(), 0));
                            list.add(m);
                        }
                        Map<String, Object> out = new LinkedHashMap<>();
                        out.put("reader", r);
                        out.put("candidates", list);
                        out.put("penalties", t.getT2());
                        out.put("deliveries", t.getT3());
                        out.put("votes", t.getT4());
                        return out;
                    });
        }));
    }

    /**
     * Versions with their training summary, and the AUC of each version's stored scores on the newest votes (computed
     * by the rollup loop every few minutes).
     */
    private Mono<Object> model() {
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
            out.put("serving", live.modelVersion().getAsLong());
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
    private static Map<String, Object> qualityByKindAndVersion(Map<String, Object> m) {
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

    private static long id(String s) {
        long id = ConsoleStore.parseLongOr(s, Long.MIN_VALUE);
        if (id == Long.MIN_VALUE) throw new BadRequest("not an id: " + s);
        return id;
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static Object number(String s) {
        if (s.equals("-")) return List.of();
        if (s.contains(" ")) return Arrays.stream(s.trim().split(" +")).map(ConsoleApi::number).toList();
        try {
            return s.contains(".") || s.contains("NaN") ? (Object) Double.parseDouble(s) : (Object) Long.parseLong(s);
        } catch (NumberFormatException e) {
            return s.equals("true") || s.equals("false") ? Boolean.parseBoolean(s) : s;
        }
    }
}
