package io.tidings.demo;

import io.tidings.testkit.botapi.LocalBotApiServer;
import io.tidings.testkit.botapi.SentMessage;
import io.tidings.util.LongIntMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import reactor.core.Disposable;

/**
 * The soak's readers: they read each post a few seconds after it arrives and vote on most (by a hidden taste, as
 * {@link SimulatedReaders}' do), now and then press More or "Less from this channel", open /settings and press one of
 * its buttons. A reader who lets a post go unvoted stops reading until the next mailing. Every post that reaches a
 * chat is counted per (chat, post) in a compact map, so duplicates are what the Bot API server really delivered.
 */
final class SoakReaders implements AutoCloseable {

    static final long FIRST_ID = 20_001;
    private static final Pattern PERMALINK = Pattern.compile("https://t\\.me/([A-Za-z0-9_]+)/(\\d+)");
    private static final double VOTE = 0.9;
    private static final double MORE = 0.08;
    private static final double LESS = 0.02;
    private static final double SETTINGS = 0.01;

    private final LocalBotApiServer api;
    private final DemoWorld world;
    private final ScheduledExecutorService timer;
    private final List<Long> ids = new ArrayList<>();
    private final Map<Long, Set<Integer>> tastes = new ConcurrentHashMap<>();
    private final Map<Long, SplittableRandom> randoms = new ConcurrentHashMap<>();
    /** Permalink (lower case) → a small number, so (chat, post) fits one long key. */
    private final Map<String, Integer> postNumbers = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger nextPostNumber = new java.util.concurrent.atomic.AtomicInteger();
    private final LongIntMap received = new LongIntMap(1 << 16);
    /** (chat, post) pairs listed in a digest message that reached the chat. */
    private final java.util.Set<Long> listed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicLong digests = new AtomicLong();
    private final AtomicLong deliveries = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong votes = new AtomicLong();
    private final AtomicLong presses = new AtomicLong();
    private final AtomicLong settingsOpened = new AtomicLong();
    private final Disposable subscription;
    private volatile boolean reading = true;

    SoakReaders(LocalBotApiServer api, DemoWorld world, int count, long seed, ScheduledExecutorService timer) {
        this.api = api;
        this.world = world;
        this.timer = timer;
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            long id = FIRST_ID + i;
            int a = rnd.nextInt(DemoWorld.GROUPS);
            int b = (a + 1 + rnd.nextInt(DemoWorld.GROUPS - 1)) % DemoWorld.GROUPS;
            ids.add(id);
            tastes.put(id, Set.of(a, b));
            randoms.put(id, rnd.split());
        }
        this.subscription = api.sent().subscribe(this::onSent);
    }

    /** Every reader sends /start. */
    void startAll() {
        ids.forEach(id -> api.pushMessage(id, "/start", id % 3 == 0 ? "ru" : "en"));
    }

    /** Some readers open /settings (called every few seconds). */
    void now(SplittableRandom rnd) {
        if (!reading) return;
        for (long id : ids) {
            if (rnd.nextDouble() < SETTINGS) {
                settingsOpened.incrementAndGet();
                api.pushMessage(id, "/settings", null);
            }
        }
    }

    /** From now on readers only count what arrives: no more votes, presses or commands. */
    void stopReading() {
        reading = false;
    }

    long deliveries() { return deliveries.get(); }

    /** Digest messages that reached the soak's readers (a reader may switch the digest on in /settings). */
    long digests() { return digests.get(); }

    /** Whether {@code permalink} was listed in a digest that reached {@code chat}. */
    boolean listedInDigest(long chat, String permalink) {
        return listed.contains(key(chat, postNumber(permalink)));
    }
    long duplicates() { return duplicates.get(); }
    long votes() { return votes.get(); }
    long presses() { return presses.get(); }
    long settingsOpened() { return settingsOpened.get(); }

    /** How many times the post with this permalink reached the chat (0: never). */
    int received(long chat, String permalink) {
        Integer n = postNumbers.get(permalink.toLowerCase(java.util.Locale.ROOT));
        if (n == null) return 0;
        synchronized (received) {
            return Math.max(0, received.get(key(chat, n)));
        }
    }

    /** Distinct (chat, post) pairs that reached a chat. */
    int distinctReceived() {
        synchronized (received) {
            return received.size();
        }
    }

    /** The small number of a post (by permalink), given out on first sight. */
    int postNumber(String permalink) {
        return postNumbers.computeIfAbsent(permalink.toLowerCase(java.util.Locale.ROOT), k -> nextPostNumber.getAndIncrement());
    }

    static long key(long chat, int post) {
        return chat * 10_000_000L + post;
    }

    private void onSent(SentMessage m) {
        if (!tastes.containsKey(m.chatId())) return;
        String text = m.textOrCaption();
        if (m.button("👍") == null) {
            if (text != null && text.startsWith("⚙️")) pressSettings(m);
            if (text != null && m.buttons().stream().anyMatch(b -> b.text().startsWith("📖"))) { // a digest: every link it lists
                digests.incrementAndGet();
                Matcher links = PERMALINK.matcher(text);
                while (links.find()) listed.add(key(m.chatId(), postNumber(links.group())));
            }
            return;
        }
        Matcher link = PERMALINK.matcher(text == null ? "" : text);
        if (!link.find()) return;
        int post = postNumber(link.group());
        long key = key(m.chatId(), post);
        int before;
        synchronized (received) {
            before = Math.max(0, received.get(key));
            received.put(key, before + 1);
        }
        deliveries.incrementAndGet();
        if (before > 0) duplicates.incrementAndGet();
        SplittableRandom rnd = randoms.get(m.chatId());
        double roll, delay;
        synchronized (rnd) {
            roll = rnd.nextDouble();
            delay = 0.5 + rnd.nextDouble() * 5.5;
        }
        if (roll < VOTE) later(delay, () -> read(m, link.group(1)));
    }

    private void read(SentMessage m, String channel) {
        if (!reading) return;
        SplittableRandom rnd = randoms.get(m.chatId());
        boolean inTaste = tastes.get(m.chatId()).contains(world.group(channel));
        boolean like;
        double extra;
        synchronized (rnd) {
            like = rnd.nextDouble() < (inTaste ? SimulatedReaders.LIKE_IN_TASTE : SimulatedReaders.LIKE_OTHERWISE);
            extra = rnd.nextDouble();
        }
        press(m, like ? "👍" : "👎");
        votes.incrementAndGet();
        if (extra < LESS && !like) press(m, "🔉");
        else if (extra < LESS + MORE) press(m, "➡️");
    }

    /** One of the settings menu's buttons, never pause or close (a paused reader would stop the load). */
    private void pressSettings(SentMessage m) {
        List<SentMessage.Button> usable = m.buttons().stream().filter(b -> b.callbackData() != null)
                .filter(b -> !b.text().contains("⏸") && !b.text().contains("▶") && !b.text().contains("✖")).toList();
        if (usable.isEmpty()) return;
        SplittableRandom rnd = randoms.get(m.chatId());
        int pick;
        synchronized (rnd) {
            pick = rnd.nextInt(usable.size());
        }
        later(1, () -> {
            if (!reading) return;
            presses.incrementAndGet();
            api.pushCallbackQuery(m.chatId(), m.messageId(), usable.get(pick).callbackData());
        });
    }

    private void press(SentMessage m, String label) {
        SentMessage.Button b = m.button(label);
        if (b == null || b.callbackData() == null) return;
        presses.incrementAndGet();
        api.pushCallbackQuery(m.chatId(), m.messageId(), b.callbackData());
    }

    private void later(double seconds, Runnable r) {
        timer.schedule(() -> {
            try {
                r.run();
            } catch (RuntimeException e) {
                System.err.println("soak reader: " + e);
            }
        }, (long) (seconds * 1000), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        subscription.dispose();
    }
}
