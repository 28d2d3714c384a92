package io.tidings.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.ingest.ChannelPage;
import io.tidings.ingest.ChannelPageParser;
import io.tidings.ingest.ChannelPost;
import io.tidings.store.Post;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Near-duplicates on a labelled set in real t.me markup (src/test/resources/neardup: Russian and English stories,
 * their reposts with a signature, emoji and hashtags, a link, a cut, a comment, a forward or a changed word, and
 * distinct stories on the same topic), parsed by the real page parser. Prints precision and recall.
 */
class NearDuplicatesTest {

    private static String resource(String name) throws IOException {
        try (InputStream in = NearDuplicatesTest.class.getResourceAsStream("/neardup/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Map<Long, String> texts() throws IOException {
        ChannelPage page = ChannelPageParser.parse("neardup", resource("channel.html"));
        Map<Long, String> texts = new HashMap<>();
        for (ChannelPost p : page.posts()) texts.put(p.messageId(), p.text());
        return texts;
    }

    @Test
    void theLabelledSetIsFoundWithHighPrecisionAndRecall() throws IOException {
        Map<Long, String> texts = texts();
        assertThat(texts).hasSize(276);
        int tp = 0, fp = 0, fn = 0, tn = 0;
        StringBuilder misses = new StringBuilder();
        for (String line : resource("pairs.tsv").split("\n")) {
            if (line.startsWith("#") || line.isBlank()) continue;
            String[] f = line.split("\t");
            var a = NearDuplicates.signature(texts.get(Long.parseLong(f[0])));
            var b = NearDuplicates.signature(texts.get(Long.parseLong(f[1])));
            boolean predicted = a != null && b != null && NearDuplicates.same(a, b);
            boolean actual = f[2].equals("1");
            if (predicted && actual) tp++;
            else if (predicted) fp++;
            else if (actual) fn++;
            else tn++;
            if (predicted != actual) {
                misses.append(String.format("  %s %s-%s (%s, %s): jaccard %.2f%n", actual ? "missed" : "false", f[0], f[1], f[3], f[4],
                        a == null || b == null ? -1 : NearDuplicates.jaccard(a, b)));
            }
        }
        double precision = tp / (double) (tp + fp);
        double recall = tp / (double) (tp + fn);
        System.out.printf("near-duplicates: %d pairs (%d near-duplicate, %d distinct), precision %.3f, recall %.3f%n%s",
                tp + fp + fn + tn, tp + fn, fp + tn, precision, recall, misses);
        assertThat(tp + fn).isGreaterThanOrEqualTo(100);
        assertThat(fp + tn).isGreaterThanOrEqualTo(80);
        assertThat(precision).isGreaterThanOrEqualTo(0.95);
        assertThat(recall).isGreaterThanOrEqualTo(0.90);
    }

    @Test
    void aRepostJoinsTheGroupOfTheFirstTelling() throws IOException {
        Map<Long, String> texts = texts();
        PostFacts facts = new PostFacts();
        for (long id = 1; id <= 5; id++) {
            facts.add(new Post(id, 1, "neardup", "Near", id, Instant.now(), io.tidings.store.PostKind.TEXT, texts.get(id), null, List.of(), 0, null));
        }
        // post 1, its sibling story 2 and reposts 3-5 of post 1 (see pairs.tsv)
        assertThat(facts.group(1)).isEqualTo(1);
        assertThat(facts.group(2)).isEqualTo(2);
        assertThat(facts.isRepeat(3)).isTrue();
        assertThat(facts.group(3)).isEqualTo(1);
        assertThat(facts.group(4)).isEqualTo(1);
        assertThat(facts.anyRepeats()).isTrue();
        facts.prune(id -> id != 1);
        assertThat(facts.group(3)).as("the group keeps its id when its first post leaves").isEqualTo(1);
    }

    private static Post post(long id, String channel, long messageId, io.tidings.store.PostKind kind, String text, String forwardOf) {
        return new Post(id, id, channel, channel, messageId, Instant.now(), kind, text, null, List.of("https://cdn.example/p.jpg"), 0,
                forwardOf == null ? null : "Origin", forwardOf, null);
    }

    @Test
    void aForwardedPhotoWithoutTextJoinsTheGroupOfThePostItForwards() throws IOException {
        Map<Long, String> texts = texts();
        PostFacts facts = new PostFacts();
        var photo = io.tidings.store.PostKind.PHOTO;
        assertThat(facts.add(post(1, "origin_news", 77, photo, "", null))).isEqualTo(1);
        assertThat(facts.add(post(2, "reposts", 5, photo, "", "https://t.me/Origin_News/77"))).as("a forward of a fresh post").isEqualTo(1);
        assertThat(facts.add(post(3, "other", 9, photo, "", "https://t.me/s/origin_news/77?single"))).isEqualTo(1);
        // two forwards of a post the bot does not read are one story too; a forward of another post is not
        assertThat(facts.add(post(4, "reposts", 6, photo, "", "https://t.me/elsewhere/10"))).isEqualTo(4);
        assertThat(facts.add(post(5, "other", 10, photo, "", "https://t.me/elsewhere/10"))).isEqualTo(4);
        assertThat(facts.add(post(6, "other", 11, photo, "", "https://t.me/elsewhere/11"))).isEqualTo(6);
        // a text forward joins by its origin even when its text alone would not (a different story's text here)
        assertThat(facts.add(post(7, "reposts", 7, io.tidings.store.PostKind.TEXT, texts.get(2L), "https://t.me/origin_news/77"))).isEqualTo(1);
        // photos without text and without a forward are never grouped
        assertThat(facts.add(post(8, "other", 12, photo, "", null))).isEqualTo(8);
    }

    @Test
    void aRestoredGroupIsKeptAndItsMembersStillLeadLaterRepostsToIt() throws IOException {
        Map<Long, String> texts = texts();
        PostFacts facts = new PostFacts();
        // after a restart: post 3 (a repost of 1) was stored in group 1, but post 1 has left the fresh pool
        facts.restoreGroup(3, 1);
        assertThat(facts.add(post(3, "neardup", 3, io.tidings.store.PostKind.TEXT, texts.get(3L), null))).isEqualTo(1);
        assertThat(facts.add(post(4, "neardup", 4, io.tidings.store.PostKind.TEXT, texts.get(4L), null)))
                .as("another repost of 1 finds the group through 3").isEqualTo(1);
    }
}
