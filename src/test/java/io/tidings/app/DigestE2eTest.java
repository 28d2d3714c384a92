package io.tidings.app;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.testkit.botapi.SentMessage;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The digest, end to end through the real pengrad client and the local Bot API server: a reader who chose it gets one
 * message per scheduled mailing (a headline per post, a "full post" button each) instead of separate posts; a button
 * sends that post once, and it is voted on like any post; nothing listed comes again; muted and filtered channels never
 * appear; long headlines are cut so the message stays within 4096 characters.
 */
class DigestE2eTest {

    private static final Pattern LINK = Pattern.compile("href=\"(https://t\\.me/[a-z0-9_]+/\\d+)\"");
    private static final long DORA = 8301;   // digest on (by command)
    private static final long SAM = 8302;    // digest off
    private static final long MIA = 8303;    // digest on (by /settings), mutes betanews, filters out gammanews
    private static final long LEO = 8304;    // digest on, 10 posts a mailing, reads only the channel of long first lines
    private E2e e2e;

    @BeforeEach
    void setUp() {
        e2e = new E2e().channel("alphanews", 12).channel("betanews", 12).channel("gammanews", 12);
        e2e.channels.addChannel("longnews", "A channel whose title is much longer than any digest line would show in full",
                "Long first lines");
        for (int i = 1; i <= 12; i++) {
            e2e.channels.addPost("longnews", ("Longnews headline " + i + " & <more> ").repeat(40) + "\nsecond line " + i, null,
                    Instant.now().minus(Duration.ofMinutes(100 - i)), 10 + i);
        }
        e2e.start(List.of("alphanews", "betanews", "gammanews", "longnews"), Map.of("READER_COMMAND_BURST", "100"));
        e2e.ingest();
    }

    @AfterEach
    void tearDown() {
        if (e2e != null) e2e.close();
    }

    /** Digest messages in the chat: those with "full post" buttons. */
    private List<SentMessage> digests(long chat) {
        return e2e.telegram.sentTo(chat).stream().filter(m -> m.button("📖 1") != null).toList();
    }

    private static List<String> links(SentMessage digest) {
        List<String> links = new ArrayList<>();
        Matcher m = LINK.matcher(digest.text());
        while (m.find()) links.add(m.group(1));
        return links;
    }

    private Chat started(long id, String lang) {
        Chat chat = new Chat(e2e, id, lang);
        e2e.telegram.pushMessage(id, "/start", lang);
        e2e.awaitPost(id, 1);
        e2e.awaitUpdatesHandled();
        return chat;
    }

    private static Instant todayUtc(int hour, int minute) {
        return LocalDate.now(ZoneOffset.UTC).atTime(LocalTime.of(hour, minute)).toInstant(ZoneOffset.UTC);
    }

    @Test
    void aDigestReaderGetsOneMessagePerMailingAndEachFullPostOnce() {
        Chat dora = started(DORA, "en");
        started(SAM, "en");
        Chat mia = started(MIA, "ru");
        dora.say("/only alphanews betanews gammanews");
        assertThat(dora.say("/digest on").text()).contains("Digest on");
        assertThat(dora.say("/digest").text()).contains("Now: on");
        // Mia turns it on in /settings, mutes one channel and filters out another
        SentMessage menu = mia.say("/settings");
        assertThat(mia.pressSetting(menu, "📰 Подборка: выкл")).isNotBlank();
        assertThat(mia.labels(menu)).contains("📰 Подборка: вкл.");
        mia.say("/mute betanews");
        mia.say("/filter add gammanews");
        mia.say("/only alphanews betanews gammanews");
        e2e.db.sql().update("UPDATE readers SET time_zone = 'UTC' WHERE id = ANY($1)", (Object) new Long[] {DORA, SAM, MIA}).block(T);
        e2e.awaitOutboxEmpty();
        int samPosts = e2e.posts(SAM).size();
        int doraPosts = e2e.posts(DORA).size();
        int miaPosts = e2e.posts(MIA).size();

        long queued = e2e.app().feed().mailingAt(todayUtc(10, 20), "replica-a").block(T);
        assertThat(queued).as("5 headlines each for Dora and Mia, 1 post for Sam").isEqualTo(11);
        E2e.await("the digests and Sam's post", () -> digests(DORA).size() == 1 && digests(MIA).size() == 1
                && e2e.posts(SAM).size() == samPosts + 1);
        e2e.awaitOutboxEmpty();

        // Sam, digest off: a separate post as before, no digest
        assertThat(digests(SAM)).isEmpty();
        // Dora: one message, five headlines with their links and first lines, five buttons; no separate post
        SentMessage digest = digests(DORA).get(0);
        assertThat(e2e.posts(DORA)).hasSize(doraPosts);
        assertThat(digest.text()).startsWith("📰 <b>Your digest</b>: 5 posts").hasSizeLessThanOrEqualTo(4096);
        List<String> links = links(digest);
        assertThat(links).hasSize(5).doesNotHaveDuplicates();
        assertThat(digest.buttons()).extracting(SentMessage.Button::text).containsExactly("📖 1", "📖 2", "📖 3", "📖 4", "📖 5");
        assertThat(digest.buttons()).allSatisfy(b -> assertThat(b.callbackData().length()).isLessThanOrEqualTo(64));
        List<Long> listed = e2e.db.sql().query("SELECT post_id FROM deliveries WHERE reader_id = $1 AND state = 'digest' ORDER BY score DESC, id",
                r -> r.get("post_id", Long.class), DORA).collectList().block(T);
        assertThat(listed).hasSize(5);
        for (int i = 0; i < 5; i++) {
            long post = listed.get(i);
            String text = e2e.db.sql().one("SELECT p.text || '|' || c.username || '/' || p.message_id AS t FROM posts p "
                    + "JOIN channels c ON c.id = p.channel_id WHERE p.id = $1", r -> r.get("t", String.class), post).block(T);
            String[] parts = text.split("\\|");
            assertThat(links.get(i)).as("headline %d links its post", i + 1).isEqualTo("https://t.me/" + parts[1]);
            assertThat(digest.text()).contains(">: " + parts[0].split("\n")[0]);
        }
        assertThat(e2e.count("SELECT count(*) FROM deliveries WHERE reader_id = $1 AND reason = 'digest' AND state = 'sent'", DORA))
                .isEqualTo(1);
        // Mia: only alphanews, never the muted or filtered channel
        SentMessage miaDigest = digests(MIA).get(0);
        assertThat(miaDigest.text()).startsWith("📰 <b>Ваша подборка</b>");
        assertThat(links(miaDigest)).hasSize(5).allSatisfy(l -> assertThat(l).contains("/alphanews/"));
        assertThat(e2e.posts(MIA)).hasSize(miaPosts);

        // the second button sends that post in full, once; it is voted on like any post
        String full = dora.press(digest.messageId(), digest.button("📖 2").callbackData());
        assertThat(full).isEqualTo("The full post is on its way.");
        SentMessage post = e2e.awaitPost(DORA, doraPosts + 1);
        assertThat(E2e.permalink(post)).isEqualTo(links.get(1));
        e2e.awaitOutboxEmpty();
        assertThat(dora.press(digest.messageId(), digest.button("📖 2").callbackData()))
                .isEqualTo("That post was already sent to you in full.");
        e2e.awaitUpdatesHandled();
        e2e.awaitOutboxEmpty();
        assertThat(e2e.posts(DORA)).hasSize(doraPosts + 1);
        dora.press(post.messageId(), post.button("👍").callbackData());
        assertThat(e2e.count("SELECT count(*) FROM votes WHERE reader_id = $1 AND post_id = $2 AND liked", DORA, listed.get(1)))
                .isEqualTo(1);
        e2e.awaitPost(DORA, doraPosts + 2); // the vote brings the next post, as for any post
        e2e.awaitOutboxEmpty();

        // the next mailing: a second digest, none of whose posts Dora had before
        Set<String> before = new HashSet<>(links);
        e2e.posts(DORA).forEach(m -> before.add(E2e.permalink(m)));
        e2e.app().feed().mailingAt(todayUtc(12, 20), "replica-a").block(T);
        E2e.await("Dora's second digest", () -> digests(DORA).size() == 2);
        e2e.awaitOutboxEmpty();
        List<String> second = links(digests(DORA).get(1));
        assertThat(second).hasSize(5).doesNotHaveDuplicates().noneMatch(before::contains);
        assertThat(e2e.posts(DORA)).hasSize(doraPosts + 2);
        // every permalink Dora ever got, in a digest or alone, is one post's: never twice
        List<String> all = new ArrayList<>(second);
        all.addAll(links);
        e2e.posts(DORA).forEach(m -> all.add(E2e.permalink(m)));
        all.remove(links.get(1)); // listed, then sent in full on request
        assertThat(all).doesNotHaveDuplicates();
        assertThat(digests(MIA).get(digests(MIA).size() - 1).text()).doesNotContain("betanews").doesNotContain("gammanews");

        // digest off: the next mailing is a separate post again
        assertThat(dora.say("/digest off").text()).startsWith("Digest off");
        e2e.app().feed().mailingAt(todayUtc(16, 20), "replica-a").block(T);
        e2e.awaitPost(DORA, doraPosts + 3);
        e2e.awaitOutboxEmpty();
        assertThat(digests(DORA)).hasSize(2);
        assertThat(before).doesNotContain(E2e.permalink(e2e.posts(DORA).get(doraPosts + 2)));
    }

    @Test
    void longHeadlinesAreCutSoTheDigestFits() {
        Chat leo = started(LEO, "en");
        leo.say("/only longnews");
        leo.say("/digest on");
        e2e.db.sql().update("UPDATE readers SET time_zone = 'UTC', posts_per_mailing = 10 WHERE id = $1", LEO).block(T);
        e2e.app().preferences().reload().block(T);
        e2e.awaitOutboxEmpty();

        assertThat(e2e.app().feed().mailingAt(todayUtc(16, 20), "replica-a").block(T)).isEqualTo(10);
        E2e.await("Leo's digest", () -> digests(LEO).size() == 1);
        e2e.awaitOutboxEmpty();
        SentMessage digest = digests(LEO).get(0);
        assertThat(digest.text().length()).isBetween(3000, 4096);
        assertThat(links(digest)).hasSize(10).allSatisfy(l -> assertThat(l).contains("/longnews/"));
        assertThat(digest.buttons()).hasSize(10);
        assertThat(digest.text()).contains("Longnews headline").contains("&amp; &lt;more&gt;").doesNotContain("second line")
                .contains("A channel whose title is much longer…");
        assertThat(e2e.count("SELECT count(*) FROM deliveries WHERE reader_id = $1 AND reason = 'digest' AND state = 'sent'", LEO))
                .isEqualTo(1);
    }
}
