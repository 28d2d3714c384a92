package io.tidings.demo;

import io.tidings.testkit.botapi.LocalBotApiServer;
import io.tidings.testkit.botapi.SentMessage;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import reactor.core.Disposable;

/**
 * Readers with hidden tastes who use the bot like people do: /start, then 👍 or 👎 on each post they
 * receive, by pressing the real buttons (callback queries through the local Bot API server). Each
 * reader likes two of the world's topic groups: a post from those is liked with probability
 * {@link #LIKE_IN_TASTE}, any other with {@link #LIKE_OTHERWISE}.
 */
final class SimulatedReaders implements AutoCloseable {

    static final double LIKE_IN_TASTE = 0.85;
    static final double LIKE_OTHERWISE = 0.08;
    static final long FIRST_ID = 10_001;
    /** After a 👎 on a post outside their taste, how often a reader also asks for less from its channel. */
    static final double LESS_AFTER_DISLIKE = 0.05;
    /** After a vote, how often a reader also asks for one more post. */
    static final double MORE_AFTER_VOTE = 0.03;
    private static final Pattern PERMALINK = Pattern.compile("https://t\\.me/([A-Za-z0-9_]+)/(\\d+)");

    private final LocalBotApiServer api;
    private final DemoWorld world;
    private final Map<Long, Sim> readers = new HashMap<>();
    private final AtomicLong votes = new AtomicLong();
    private final AtomicLong likes = new AtomicLong();
    private final AtomicLong deliveries = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong lessPresses = new AtomicLong();
    private final AtomicLong morePresses = new AtomicLong();
    private final java.util.List<Long> voteToNextNanos = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    private final Disposable subscription;
    private final boolean picks;
    private final AtomicLong pickPresses = new AtomicLong();
    private static final Pattern MENTION = Pattern.compile("@([A-Za-z0-9_]+)\\s*$");

    SimulatedReaders(LocalBotApiServer api, DemoWorld world, int count, long seed) {
        this(api, world, count, seed, true);
    }

    /** {@code picks}: readers press the offered channels (after /start) that their hidden taste likes. */
    SimulatedReaders(LocalBotApiServer api, DemoWorld world, int count, long seed, boolean picks) {
        this.picks = picks;
        this.api = api;
        this.world = world;
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            int a = rnd.nextInt(DemoWorld.GROUPS);
            int b = (a + 1 + rnd.nextInt(DemoWorld.GROUPS - 1)) % DemoWorld.GROUPS;
            readers.put(FIRST_ID + i, new Sim(FIRST_ID + i, Set.of(a, b), rnd.split(), i % 3 == 0 ? "ru" : "en"));
        }
        this.subscription = api.sent().subscribe(this::onSent);
    }

    /** Every reader sends /start. */
    void startAll() {
        readers.values().forEach(r -> api.pushMessage(r.id, "/start", r.language));
    }

    /** Gives every reader {@code n} votes to spend in this round; posts left unread from the last round are skipped, as people do. */
    void beginRound(int n) {
        votes.set(0);
        likes.set(0);
        readers.values().forEach(r -> r.grant(n));
    }

    boolean roundDone() {
        return readers.values().stream().allMatch(Sim::spent);
    }

    long roundVotes() { return votes.get(); }
    long roundLikes() { return likes.get(); }
    long deliveries() { return deliveries.get(); }
    long duplicates() { return duplicates.get(); }
    long lessPresses() { return lessPresses.get(); }
    long morePresses() { return morePresses.get(); }
    long picks() { return pickPresses.get(); }

    /**
     * From pressing 👍/👎 to the next post's arrival at the Bot API server, in ms: the {@code q}-quantile over
     * every vote so far. Readers here vote the moment a post arrives, so Telegram's one message per chat per
     * second is part of it.
     */
    double voteToNextMs(double q) {
        long[] sorted;
        synchronized (voteToNextNanos) {
            sorted = voteToNextNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        }
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6;
    }

    /** Distinct channels a reader received posts from in this round, on average over readers. */
    double roundChannelsPerReader() {
        return readers.values().stream().mapToInt(Sim::roundChannels).average().orElse(0);
    }

    /** Distinct channels a reader received posts from since the start, on average over readers. */
    double channelsPerReader() {
        return readers.values().stream().mapToInt(Sim::channels).average().orElse(0);
    }

    /** The like rate a reader would see if posts were picked at random from the world. */
    double randomLikeRate() {
        double p = 2.0 / DemoWorld.GROUPS;
        return p * LIKE_IN_TASTE + (1 - p) * LIKE_OTHERWISE;
    }

    private void onSent(SentMessage m) {
        Sim r = readers.get(m.chatId());
        String text = m.textOrCaption();
        if (r != null && picks && m.button("👍") == null && !m.buttons().isEmpty() && m.buttons().get(0).callbackData() != null) {
            pickOffered(r, m); // the channel offer after /start: buttons that end in a channel's @name
            return;
        }
        if (r == null || text == null || m.button("👍") == null) return; // greetings and notices carry no vote
        Matcher link = PERMALINK.matcher(text);
        if (!link.find()) return;
        deliveries.incrementAndGet();
        r.receive(new Received(m, link.group(1), link.group(0)));
    }

    private void pickOffered(Sim r, SentMessage offer) {
        for (SentMessage.Button b : offer.buttons()) {
            Matcher name = MENTION.matcher(b.text());
            if (b.text().startsWith("✅") || !name.find()) continue;
            int group = world.group(name.group(1));
            if (group >= 0 && r.taste.contains(group)) {
                pickPresses.incrementAndGet();
                api.pushCallbackQuery(r.id, offer.messageId(), b.callbackData());
            }
        }
    }

    private record Received(SentMessage message, String channel, String permalink) {}

    private final class Sim {
        final long id;
        final Set<Integer> taste;
        final SplittableRandom rnd;
        final String language;
        final ArrayDeque<Received> unread = new ArrayDeque<>();
        final Set<String> seen = new HashSet<>();
        final Set<String> channels = new HashSet<>();
        final Set<String> roundChannels = new HashSet<>();
        int budget;
        long votedAt; // System.nanoTime() of the last vote still waiting for its next post, or 0

        Sim(long id, Set<Integer> taste, SplittableRandom rnd, String language) {
            this.id = id;
            this.taste = taste;
            this.rnd = rnd;
            this.language = language;
        }

        synchronized void receive(Received post) {
            if (!seen.add(post.permalink())) duplicates.incrementAndGet();
            if (votedAt != 0) {
                voteToNextNanos.add(System.nanoTime() - votedAt);
                votedAt = 0;
            }
            channels.add(post.channel());
            roundChannels.add(post.channel());
            unread.add(post);
            readOn();
        }

        synchronized int channels() {
            return channels.size();
        }

        synchronized int roundChannels() {
            return roundChannels.size();
        }

        synchronized void grant(int n) {
            unread.clear();
            roundChannels.clear();
            budget = n;
            readOn();
        }

        synchronized boolean spent() {
            return budget == 0;
        }

        private void readOn() {
            while (budget > 0 && !unread.isEmpty()) {
                Received post = unread.poll();
                budget--;
                boolean like = rnd.nextDouble() < (taste.contains(world.group(post.channel())) ? LIKE_IN_TASTE : LIKE_OTHERWISE);
                votes.incrementAndGet();
                if (like) likes.incrementAndGet();
                votedAt = System.nanoTime();
                api.pushCallbackQuery(id, post.message().messageId(), post.message().button(like ? "👍" : "👎").callbackData());
                // now and then the other buttons too; they never replace a vote, so learning sees the same votes
                boolean inTaste = taste.contains(world.group(post.channel()));
                if (!like && !inTaste && rnd.nextDouble() < LESS_AFTER_DISLIKE && post.message().button("🔉") != null) {
                    lessPresses.incrementAndGet();
                    api.pushCallbackQuery(id, post.message().messageId(), post.message().button("🔉").callbackData());
                } else if (rnd.nextDouble() < MORE_AFTER_VOTE) {
                    morePresses.incrementAndGet();
                    api.pushCallbackQuery(id, post.message().messageId(), post.message().button("➡️").callbackData());
                }
            }
        }
    }

    @Override
    public void close() {
        subscription.dispose();
    }
}
