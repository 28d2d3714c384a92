package io.tidings.demo;

import io.tidings.testkit.channels.LocalChannelServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The demo's channels: {@link #TOPICS} distinct topics in {@link #GROUPS} related groups (readers who
 * like astronomy tend to like physics), each with a few dozen posts from the last two days, served by
 * the local channel server in the real t.me/s format.
 */
final class DemoWorld {

    static final String[] TOPICS = {
            "astronomy", "physics", "chemistry", "biology", "geology",
            "football", "tennis", "hockey", "cycling", "athletics",
            "cooking", "baking", "coffee", "wine", "vegan",
            "jazz", "rocknroll", "classical", "hiphop", "opera",
            "startups", "investing", "crypto", "economics", "banking",
            "painting", "sculpture", "photography", "design", "architecture",
            "hiking", "sailing", "skiing", "camping", "climbing",
            "gaming", "esports", "boardgames", "chess", "puzzles",
            "cinema", "series", "anime", "theatre", "standup",
            "python", "javalang", "rustlang", "devops", "security"};
    static final int GROUPS = 10;
    private static final String[] WORDS = {"new", "notes", "today", "why", "how", "the", "best", "a", "look", "at",
            "first", "week", "story", "guide", "ideas", "review", "question", "facts", "small", "big"};

    private final Map<String, Integer> groupOf = new HashMap<>();
    private final List<String> channels = new ArrayList<>();
    private int posts;

    DemoWorld(LocalChannelServer server, int postsPerChannel, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Instant now = Instant.now();
        for (int t = 0; t < TOPICS.length; t++) {
            String name = "demo_" + TOPICS[t];
            String title = Character.toUpperCase(TOPICS[t].charAt(0)) + TOPICS[t].substring(1) + " daily";
            server.addChannel(name, title, "Everything about " + TOPICS[t]);
            groupOf.put(name, t / (TOPICS.length / GROUPS));
            channels.add(name);
            for (int i = 0; i < postsPerChannel; i++) {
                Instant date = now.minus(Duration.ofMinutes(60L * 46 * (postsPerChannel - i) / postsPerChannel + 5));
                StringBuilder text = new StringBuilder(TOPICS[t]).append(" #").append(i + 1).append(':');
                for (int w = 0; w < 12; w++) text.append(' ').append(WORDS[rnd.nextInt(WORDS.length)]);
                String photo = i % 4 == 0 ? server.baseUrl() + "/img/" + name + "/" + (i + 1) + ".jpg" : null;
                server.addPost(name, text.toString(), photo, date, 100 + rnd.nextInt(50_000));
                posts++;
            }
        }
    }

    List<String> channels() {
        return channels;
    }

    int group(String channel) {
        return groupOf.getOrDefault(channel, -1);
    }

    int posts() {
        return posts;
    }
}
