package io.tidings.app;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.testkit.botapi.SentMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reader in control of their feed, end to end through the real pengrad client: "Mute channel", /mute, /unmute,
 * /muted, /only, /less with undo, /filter and the ad filter. A muted, unfollowed or filtered post never reaches them,
 * neither by the next post, nor by a mailing.
 */
class ReaderControlE2eTest {

    private static final long ANN = 8101;
    private static final long IVAN = 8102;
    private E2e e2e;
    private Chat ann;
    private Chat ivan;

    @BeforeEach
    void setUp() {
        e2e = new E2e().channel("alphanews", 6).channel("betanews", 6);
        e2e.channels.addPost("betanews", "Реклама. ООО «Ромашка», ИНН 7700000000\nЛучшие кроссовки сезона со скидкой!\nerid: 2VtzqxAbCdE",
                null, Instant.now().minus(Duration.ofMinutes(30)), 500);
        e2e.channels.addPost("alphanews", "Президент подписал закон о новостях и выборах", null,
                Instant.now().minus(Duration.ofMinutes(20)), 500);
        e2e.start(List.of("alphanews", "betanews"), Map.of("READER_COMMAND_BURST", "100"));
        e2e.ingest();
        ann = new Chat(e2e, ANN, "en");
        ivan = new Chat(e2e, IVAN, "ru");
    }

    @AfterEach
    void tearDown() {
        if (e2e != null) e2e.close();
    }

    private static String channelOf(SentMessage post) {
        return E2e.permalink(post).split("/")[3];
    }

    /** Mails every post left to everyone and waits until it is sent; returns the reader's posts after the first {@code skip}. */
    private List<SentMessage> mailEverything(long reader, int skip) {
        e2e.app().feed().mailing(20).block(T);
        e2e.awaitOutboxEmpty();
        List<SentMessage> all = e2e.posts(reader);
        return all.subList(Math.min(skip, all.size()), all.size());
    }

    @Test
    void muteButtonKeepsTheChannelOutAndUnmuteBringsItBack() {
        ann.say("/start");
        SentMessage first = e2e.awaitPost(ANN, 1);
        String muted = channelOf(first);
        String other = muted.equals("alphanews") ? "betanews" : "alphanews";
        String mute = first.button("Mute channel").callbackData();
        assertThat(mute.getBytes(StandardCharsets.UTF_8).length).isBetween(1, 64);

        assertThat(ann.press(first.messageId(), mute)).startsWith("🔇 Muted @" + muted);
        e2e.awaitPost(ANN, 2);
        E2e.await("button marked", () -> ann.labels(first).contains("✅ 🔇 Mute channel"));
        List<SentMessage> after = mailEverything(ANN, 1);
        assertThat(after).isNotEmpty().allMatch(p -> channelOf(p).equals(other), "from @" + other + " only");
        assertThat(e2e.count("SELECT count(*) FROM reader_mutes WHERE reader_id = $1", ANN)).isEqualTo(1);

        SentMessage list = ann.say("/muted");
        assertThat(list.text()).startsWith("Muted channels").contains("@" + muted);
        assertThat(ann.press(list.messageId(), ann.button(list, "Unmute @" + muted))).startsWith("Unmuted");
        assertThat(ann.say("/muted").text()).isEqualTo("You have not muted any channel.");
        int before = e2e.posts(ANN).size();
        List<SentMessage> back = mailEverything(ANN, before);
        assertThat(back).isNotEmpty().allMatch(p -> channelOf(p).equals(muted), "the muted channel's posts, now unmuted");

        assertThat(ann.say("/mute").text()).startsWith("Send /mute NAME");
        assertThat(ann.say("/mute @nosuchchannel").text()).startsWith("I don’t read @nosuchchannel");
        assertThat(ann.say("/mute @" + other).text()).startsWith("🔇 Muted @" + other);
        assertThat(ann.say("/mute " + other).text()).startsWith("@" + other + " is already muted");
        assertThat(ann.say("/unmute @" + other).text()).startsWith("🔊 @" + other + " is back");
        assertThat(ann.say("/unmute @" + other).text()).isEqualTo("@" + other + " was not muted.");
    }

    @Test
    void mutedChannelNeverReachesTheReaderInRussianToo() {
        ivan.say("/start");
        e2e.awaitPost(IVAN, 1);
        assertThat(ivan.say("/mute @alphanews").text()).startsWith("🔇 @alphanews заглушён");
        assertThat(ivan.say("/muted").text()).startsWith("Заглушённые каналы").contains("@alphanews");
        List<SentMessage> after = mailEverything(IVAN, 1);
        assertThat(after).isNotEmpty().allMatch(p -> channelOf(p).equals("betanews"));
        // a vote asks for the next post: none is left but the muted channel's, so none comes
        SentMessage last = after.get(after.size() - 1);
        int replies = ivan.replies().size();
        ivan.press(last.messageId(), last.button("👍").callbackData());
        E2e.await("an answer to the vote", () -> ivan.replies().size() > replies);
        assertThat(ivan.replies().get(replies).text()).startsWith("Новых постов пока нет");
        List<SentMessage> all = e2e.posts(IVAN);
        assertThat(all.subList(1, all.size())).noneMatch(p -> channelOf(p).equals("alphanews"));
        assertThat(ivan.say("/unmute alphanews").text()).startsWith("🔊 @alphanews снова в вашей ленте");
    }

    @Test
    void onlyReadsTheChosenChannelsUntilOff() {
        ann.say("/start");
        e2e.awaitPost(ANN, 1);
        assertThat(ann.say("/only").text()).startsWith("Send /only NAME");
        assertThat(ann.say("/only @betanews @nosuchchannel").text()).startsWith("I don’t read @nosuchchannel: nothing changed");
        assertThat(ann.say("/only no!").text()).startsWith("Not public channel usernames: no!");
        assertThat(ann.say("/only @betanews").text()).isEqualTo("From now on only @betanews. /only off reads every channel again.");
        assertThat(ann.say("/only").text()).startsWith("You read only: @betanews");
        assertThat(ann.say("/muted").text()).contains("You read only:\n• @betanews");
        List<SentMessage> after = mailEverything(ANN, 1);
        assertThat(after).isNotEmpty().allMatch(p -> channelOf(p).equals("betanews"));

        assertThat(ann.say("/only off").text()).isEqualTo("You read every channel again.");
        int before = e2e.posts(ANN).size();
        assertThat(mailEverything(ANN, before)).isNotEmpty().allMatch(p -> channelOf(p).equals("alphanews"));
        assertThat(e2e.count("SELECT count(*) FROM reader_follows")).isZero();
    }

    @Test
    void lessListsThePenaltiesAndUndoesThem() {
        ann.say("/start");
        SentMessage post = e2e.awaitPost(ANN, 1);
        String channel = channelOf(post);
        assertThat(ann.say("/less").text()).isEqualTo("You have not asked for less from any channel.");
        ann.press(post.messageId(), post.button("Less from this channel").callbackData());
        e2e.awaitPost(ANN, 2);
        long channelId = e2e.count("SELECT id FROM channels WHERE username = $1", channel);
        assertThat(e2e.app().preferences().channelFactor(ANN, channelId)).isBetween(0.499f, 0.501f);

        SentMessage less = ann.say("/less");
        assertThat(less.text()).startsWith("You asked for less from").contains("@" + channel).contains("×0.50");
        String undo = ann.button(less, "Undo for @" + channel);
        assertThat(undo.getBytes(StandardCharsets.UTF_8).length).isBetween(1, 64);
        assertThat(ann.press(less.messageId(), undo)).startsWith("Undone");
        assertThat(e2e.count("SELECT count(*) FROM channel_penalties WHERE reader_id = $1", ANN)).isZero();
        assertThat(e2e.app().preferences().channelFactor(ANN, channelId)).isEqualTo(1f);
        assertThat(ann.say("/less").text()).isEqualTo("You have not asked for less from any channel.");
        // another reader's undo button is refused
        assertThat(ivan.press(less.messageId(), undo)).isEqualTo("This button is no longer valid.");
    }

    @Test
    void filtersKeepMatchingPostsOutInAnyWordForm() {
        ann.say("/start");
        e2e.awaitPost(ANN, 1);
        assertThat(ann.say("/filter").text()).startsWith("You have no filters.").contains("/filter add WORDS");
        assertThat(ann.say("/filter add POST 3").text()).isEqualTo("➖ Posts with “post 3” no longer reach you.");
        assertThat(ann.say("/filter add post 3").text()).isEqualTo("You have the filter “post 3” already.");
        assertThat(ann.say("/filter add новость").text()).startsWith("➖ Posts with “новость”");
        assertThat(ann.say("/filter add " + "x".repeat(101)).text()).isEqualTo("A filter holds at most 100 characters.");
        assertThat(ann.say("/filter add !!!").text()).startsWith("A filter needs at least one word");
        assertThat(ann.say("/filter frobnicate").text()).startsWith("/filter add WORDS");
        assertThat(ann.say("/filter").text()).startsWith("Your filters").contains("➖ post 3").contains("➖ новость");
        List<SentMessage> after = mailEverything(ANN, 1);
        assertThat(after).isNotEmpty()
                .noneMatch(p -> p.textOrCaption().contains("post 3"))
                .noneMatch(p -> p.textOrCaption().contains("новостях"));
        assertThat(e2e.posts(ANN).stream().filter(p -> p.textOrCaption().contains("post 3"))).as("unless it was the first post")
                .hasSizeLessThanOrEqualTo(1);

        assertThat(ann.say("/filter remove post 3").text()).isEqualTo("Filter “post 3” removed.");
        assertThat(ann.say("/filter remove post 3").text()).isEqualTo("You have no filter “post 3”.");
        assertThat(ann.say("/filter clear").text()).isEqualTo("All your filters are gone.");

        // the limit: 50 filters
        e2e.db.sql().update("INSERT INTO reader_filters (reader_id, mode, phrase) SELECT $1, 'exclude', 'word' || g "
                + "FROM generate_series(1, 50) g", ANN).block(T);
        assertThat(ann.say("/filter add one more").text()).isEqualTo("You have 50 filters, the most there can be: remove one first.");
    }

    @Test
    void requiredWordsLetOnlyMatchingPostsThroughInRussian() {
        ivan.say("/start");
        e2e.awaitPost(IVAN, 1);
        assertThat(ivan.say("/filter require выборы").text()).startsWith("➕ Теперь приходят только посты со словами «выборы»");
        List<SentMessage> after = mailEverything(IVAN, 1);
        assertThat(after).hasSize(1);
        assertThat(after.get(0).textOrCaption()).contains("о новостях и выборах");
    }

    @Test
    void adsAreFilteredByDefaultAndCanBeLetThroughInSettings() {
        ann.say("/start");
        ivan.say("/start");
        e2e.awaitPost(ANN, 1);
        e2e.awaitPost(IVAN, 1);
        SentMessage settings = ivan.say("/settings");
        assertThat(ivan.labels(settings)).contains("🚫 Фильтр рекламы: вкл.");
        ivan.pressSetting(settings, "Фильтр рекламы");
        assertThat(ivan.labels(settings)).contains("🚫 Фильтр рекламы: выкл.");
        assertThat(e2e.count("SELECT count(*) FROM readers WHERE id = $1 AND NOT ad_filter", IVAN)).isEqualTo(1);

        mailEverything(ANN, 0);
        assertThat(e2e.posts(ANN)).hasSize(13).noneMatch(p -> p.textOrCaption().contains("erid"));
        assertThat(e2e.posts(IVAN)).hasSize(14).anyMatch(p -> p.textOrCaption().contains("erid"));
    }

    @Test
    void longMuteAndLessListsStayWithinTelegramsLimits() {
        ann.say("/start");
        e2e.awaitPost(ANN, 1);
        // 300 channels with the longest titles Telegram allows, all muted and all "less"
        String title = "Т".repeat(128);
        e2e.db.sql().update("INSERT INTO channels (username, title) SELECT 'muted_channel_' || i, $1 FROM generate_series(1, 300) i",
                title).block(T);
        e2e.db.sql().update("INSERT INTO reader_mutes (reader_id, channel_id) SELECT $1, id FROM channels WHERE username LIKE 'muted_channel_%'",
                ANN).block(T);
        e2e.db.sql().update("INSERT INTO channel_penalties (reader_id, channel_id, post_id) SELECT $1, id, -id FROM channels "
                + "WHERE username LIKE 'muted_channel_%'", ANN).block(T);
        ann.say("/only alphanews betanews");

        SentMessage muted = ann.say("/muted");
        assertThat(muted.text().length()).isLessThanOrEqualTo(4096);
        int shown = muted.buttons().size();
        assertThat(shown).isBetween(10, 50);
        assertThat(muted.text()).contains("…and " + (300 - shown) + " more").contains("@alphanews")
                .contains("/only off");
        assertThat(muted.text().split("\n• @muted_channel_")).hasSize(shown + 1);

        SentMessage less = ann.say("/less");
        assertThat(less.text().length()).isLessThanOrEqualTo(4096);
        int undo = less.buttons().size();
        assertThat(undo).isBetween(10, 50);
        assertThat(less.text()).contains("…and " + (300 - undo) + " more");
        // a button of the list still works
        assertThat(ann.press(less.messageId(), less.buttons().get(0).callbackData())).isNotBlank();
        e2e.awaitUpdatesHandled();
        assertThat(ann.say("/less").text()).contains("…and " + (300 - undo - 1) + " more");
    }

    @Test
    void controlCommandsNeedStartFirst() {
        assertThat(ann.say("/mute @alphanews").text()).startsWith("Send /start");
        assertThat(ann.say("/filter add x").text()).startsWith("Send /start");
    }
}
