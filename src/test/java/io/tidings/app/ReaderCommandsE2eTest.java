package io.tidings.app;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.store.ReaderSettings;
import io.tidings.store.ReaderSettingsRepository;
import io.tidings.testkit.botapi.SentMessage;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every reader command and the settings keyboards, in English and Russian, through the real pengrad client. */
class ReaderCommandsE2eTest {

    private static final long ANN = 8001;
    private static final long IVAN = 8002;
    private E2e e2e;
    private Chat ann;
    private Chat ivan;
    private ReaderSettingsRepository settings;

    @BeforeEach
    void setUp() {
        e2e = new E2e().channel("alphanews", 6).channel("betanews", 6);
        e2e.channels.addChannel("gammanews", "Gamma", "third");
        e2e.addPost("gammanews", 1);
        e2e.start(List.of("alphanews", "betanews"), Map.of("READER_COMMAND_BURST", "100"));
        e2e.ingest();
        ann = new Chat(e2e, ANN, "en");
        ivan = new Chat(e2e, IVAN, "ru");
        settings = new ReaderSettingsRepository(e2e.db);
    }

    @AfterEach
    void tearDown() {
        if (e2e != null) e2e.close();
    }

    private void start(Chat c) {
        c.say("/start");
        e2e.awaitPost(c.id, 1);
    }

    @Test
    void everyCommandAnswersInTheReadersLanguage() {
        assertThat(ann.say("/help").text()).as("help works before /start").contains("/settings").contains("/channel NAME")
                .doesNotContain("/broadcast");
        assertThat(ann.say("/stats").text()).startsWith("Send /start");
        assertThat(ann.say("/start").text()).startsWith("Hi").contains("Less from this channel");
        assertThat(ivan.say("/start").text()).startsWith("Привет").contains("Меньше из этого канала");
        e2e.awaitPost(ANN, 1);
        e2e.awaitPost(IVAN, 1);

        assertThat(ann.say("/pause").text()).startsWith("Paused");
        assertThat(ann.say("/pause").text()).startsWith("Mailings are already paused");
        assertThat(settings.find(ANN).block(T).paused()).isTrue();
        assertThat(ann.say("/resume").text()).startsWith("Welcome back");
        assertThat(ann.say("/resume").text()).isEqualTo("Mailings are on.");
        assertThat(ivan.say("/pause").text()).startsWith("Пауза");
        assertThat(ivan.say("/resume").text()).startsWith("С возвращением");
        assertThat(settings.find(IVAN).block(T).paused()).isFalse();

        assertThat(ann.say("/stats").text()).startsWith("You have not rated any post yet");
        assertThat(ivan.say("/help").text()).contains("/settings — время рассылок");
        assertThat(ann.say("/nonsense").text()).startsWith("I don’t know that command");
        assertThat(ivan.say("/nonsense@tidings_local_bot").text()).startsWith("Такой команды я не знаю");
        assertThat(ann.say("hello there").text()).startsWith("Send /start to get a post");
        assertThat(ivan.say("привет").text()).startsWith("Отправьте /start");
        assertThat(ann.say("/channel").text()).startsWith("Send /channel NAME");
        assertThat(ivan.say("/channel nosuchchannel").text()).isEqualTo("Я не читаю @nosuchchannel. Предложите его: /add nosuchchannel.");
        assertThat(ann.say("/channel no!").text()).startsWith("That is not a public channel username");

        // /lang switches the language: replies follow the stored choice, not Telegram's language code
        SentMessage lang = ann.say("/lang");
        assertThat(lang.text()).isEqualTo("Choose your language:");
        assertThat(ann.pressSetting(lang, "Русский")).isEqualTo("Язык: русский");
        assertThat(settings.find(ANN).block(T).language()).isEqualTo("ru");
        assertThat(ann.labels(lang)).containsExactly("English", "✅ Русский");
        assertThat(ann.say("/pause").text()).startsWith("Пауза");
        assertThat(ann.say("/resume").text()).startsWith("С возвращением");
    }

    @Test
    void votesShowInStatsAndTheCatalogueInChannels() {
        start(ann);
        SentMessage post = e2e.awaitPost(ANN, 1);
        ann.press(post.messageId(), post.button("👍").callbackData());
        SentMessage second = e2e.awaitPost(ANN, 2);
        ann.press(second.messageId(), second.button("👎").callbackData());
        e2e.awaitPost(ANN, 3);

        String stats = ann.say("/stats").text();
        assertThat(stats).contains("Posts rated: 2 (👍 1, 👎 1)").contains("Like rate: 50%").contains("Favourite channels:")
                .containsPattern("@(alphanews|betanews) \\((ALPHANEWS|BETANEWS) news\\) — 1 👍");
        start(ivan);
        assertThat(ivan.say("/stats").text()).startsWith("Вы ещё не оценили");

        String channels = ann.say("/channels").text();
        assertThat(channels).contains("Channels I read: 2").contains("@alphanews (ALPHANEWS news)").contains("@betanews")
                .contains("You have not asked for less from any channel");
        assertThat(ivan.say("/channels").text()).contains("Каналов, которые я читаю: 2");
    }

    @Test
    void lessFromThisChannelPenalisesTheChannelOnceSaysSoAndSendsTheNextPost() {
        start(ann);
        SentMessage post = e2e.awaitPost(ANN, 1);
        String channel = E2e.permalink(post).split("/")[3];
        String less = post.button("Less from this channel").callbackData();
        assertThat(less.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(64);

        assertThat(ann.press(post.messageId(), less)).isEqualTo("Got it: less from @" + channel
                + ". It wears off over a few weeks; /channels shows it.");
        e2e.awaitPost(ANN, 2);
        E2e.await("button marked", () -> ann.labels(post).contains("✅ 🔉 Less from this channel"));
        ann.press(post.messageId(), less); // pressed again under the same post: no second penalty, no extra post
        e2e.awaitUpdatesHandled();
        e2e.awaitOutboxEmpty();
        assertThat(e2e.posts(ANN)).hasSize(2);
        assertThat(e2e.count("SELECT count(*) FROM channel_penalties WHERE reader_id = $1", ANN)).isEqualTo(1);
        assertThat(e2e.count("SELECT count(*) FROM votes")).as("not a vote").isZero();
        assertThat(e2e.telegram.calls("answerCallbackQuery")).as("each press answered once, and successfully")
                .hasSize(2).allMatch(c -> c.status() == 200);

        long channelId = e2e.count("SELECT id FROM channels WHERE username = $1", channel);
        Map<Long, Double> penalties = e2e.app().preferences().penalties(ANN).block(T);
        assertThat(penalties).containsOnlyKeys(channelId);
        assertThat(penalties.get(channelId)).isBetween(0.99, 1.0);
        assertThat(e2e.app().preferences().penalties(new Long[] {ANN, IVAN}).block(T)).containsOnlyKeys(ANN);
        // the planner's in-memory view: this channel's scores are halved for Ann, for nobody else
        assertThat(e2e.app().preferences().channelFactor(ANN, channelId)).isBetween(0.499f, 0.501f);
        assertThat(e2e.app().preferences().channelFactor(IVAN, channelId)).isEqualTo(1f);
        assertThat(ann.say("/channels").text()).contains("You asked for less from").contains("@" + channel).contains("×0.50");
    }

    @Test
    void aVoteForADeletedPostIsAnsweredPolitelyAndNotStored() {
        start(ann);
        SentMessage post = e2e.awaitPost(ANN, 1);
        e2e.db.sql().update("UPDATE posts SET deleted = true WHERE id = $1", e2e.postOf(post)).block(T);
        assertThat(ann.press(post.messageId(), post.button("👍").callbackData()))
                .isEqualTo("That post was deleted from its channel, so the vote is not counted.");
        e2e.awaitUpdatesHandled();
        e2e.awaitOutboxEmpty();
        assertThat(e2e.count("SELECT count(*) FROM votes")).isZero();
        assertThat(e2e.posts(ANN)).hasSize(1);
    }

    @Test
    void channelSendsItsLatestPostsOnceAndAddSuggestsChannels() {
        start(ann);
        assertThat(e2e.posts(ANN)).hasSize(1);
        long before = e2e.posts(ANN).size();
        e2e.telegram.pushMessage(ANN, "/channel @alphanews", "en");
        E2e.await("posts of alphanews queued", () -> e2e.deliveries(ANN).stream().anyMatch(d -> d.reason().equals("channel")));
        e2e.awaitOutboxEmpty();
        assertThat(e2e.posts(ANN).stream().map(E2e::permalink).filter(l -> l.contains("/alphanews/")))
                .contains("https://t.me/alphanews/6", "https://t.me/alphanews/5");
        long after = e2e.posts(ANN).size();
        assertThat(after).isBetween(before + 2, before + 3); // the first post may have been one of the three
        assertThat(ann.replies()).extracting(SentMessage::textOrCaption).as("the posts were the only answer")
                .noneMatch(t -> t != null && t.startsWith("I don’t read"));
        assertThat(ann.sayOnce("/channel alphanews").text()).isEqualTo("You have already seen the latest posts of @alphanews.");
        assertThat(ann.sayOnce("/channel nosuchchannel").text()).isEqualTo("I don’t read @nosuchchannel. Suggest it with /add nosuchchannel.");

        assertThat(ann.say("/add").text()).startsWith("Send /add NAME");
        assertThat(ann.say("/add gammanews").text()).isEqualTo("Thanks! I now read @gammanews; its posts will reach you among the others.");
        assertThat(ann.say("/add https://t.me/alphanews").text()).isEqualTo("I already read @alphanews.");
        assertThat(ann.say("/add not a channel!").text()).startsWith("That is not a public channel username");
        start(ivan);
        assertThat(ivan.say("/add gammanews").text()).isEqualTo("Я уже читаю @gammanews.");

        // forwarding a channel's post suggests the channel; other forwards get a hint
        String forward = "{\"message\": {\"message_id\": 900, \"date\": 0, \"chat\": {\"id\": " + IVAN + ", \"type\": \"private\"},"
                + " \"from\": {\"id\": " + IVAN + ", \"is_bot\": false, \"first_name\": \"I\", \"language_code\": \"ru\"},"
                + " \"text\": \"a post\", \"forward_origin\": {\"type\": \"channel\", \"date\": 0, \"message_id\": 5,"
                + " \"chat\": {\"id\": -1001, \"type\": \"channel\", \"title\": \"Beta\", \"username\": \"BetaNews\"}}}}";
        assertThat(ivan.push(forward).text()).isEqualTo("Я уже читаю @betanews.");
        String fromUser = "{\"message\": {\"message_id\": 901, \"date\": 0, \"chat\": {\"id\": " + ANN + ", \"type\": \"private\"},"
                + " \"from\": {\"id\": " + ANN + ", \"is_bot\": false, \"first_name\": \"A\"}, \"text\": \"hi\","
                + " \"forward_origin\": {\"type\": \"user\", \"date\": 0, \"sender_user\": {\"id\": 5, \"is_bot\": false, \"first_name\": \"Z\"}}}}";
        assertThat(ann.push(fromUser).text()).startsWith("That is not a channel post");
    }

    @Test
    void settingsAreChangedWithButtonsAndStored() {
        start(ivan);
        SentMessage menu = ivan.say("/settings");
        assertThat(menu.text()).startsWith("⚙️ Настройки");
        assertThat(ivan.labels(menu)).containsExactly("🕒 Рассылки: 10:20, 12:20, 16:20, 19:20", "🌍 Часовой пояс: UTC",
                "📬 Постов за рассылку: 1", "⚡ Мгновенные посты: вкл.", "🚫 Фильтр рекламы: вкл.", "📰 Подборка: выкл.", "🗣 Язык: русский", "⏸ Приостановить рассылки",
                "✖️ Закрыть");

        assertThat(ivan.pressSetting(menu, "Рассылки")).startsWith("Нажимайте на время");
        assertThat(ivan.labels(menu)).contains("✅ 10:20", "08:00", "⬅️ Назад");
        assertThat(ivan.pressSetting(menu, "✅ 10:20")).isEqualTo("Сохранено ✅");
        ivan.pressSetting(menu, "08:00");
        assertThat(ivan.labels(menu)).contains("✅ 08:00", "10:20", "✅ 12:20");
        ReaderSettings s = settings.find(IVAN).block(T);
        assertThat(s.mailingTimes()).containsExactly(LocalTime.of(8, 0), LocalTime.of(12, 20), LocalTime.of(16, 20), LocalTime.of(19, 20));
        ivan.pressSetting(menu, "Назад");

        ivan.pressSetting(menu, "Часовой пояс");
        ivan.pressSetting(menu, "Europe/Moscow");
        ivan.pressSetting(menu, "Постов за рассылку");
        ivan.pressSetting(menu, "3");
        ivan.pressSetting(menu, "Мгновенные посты");
        ivan.pressSetting(menu, "Приостановить");
        s = settings.find(IVAN).block(T);
        assertThat(s.timeZone()).isEqualTo("Europe/Moscow");
        assertThat(s.postsPerMailing()).isEqualTo(3);
        assertThat(s.instantPush()).isFalse();
        assertThat(s.paused()).isTrue();
        assertThat(ivan.labels(menu)).contains("🌍 Часовой пояс: Europe/Moscow", "📬 Постов за рассылку: 3",
                "⚡ Мгновенные посты: выкл.", "▶️ Возобновить рассылки");
        ivan.pressSetting(menu, "Возобновить");
        assertThat(settings.find(IVAN).block(T).paused()).isFalse();

        ivan.pressSetting(menu, "Язык");
        assertThat(ivan.pressSetting(menu, "English")).isEqualTo("Language: English");
        assertThat(ivan.labels(menu)).contains("🗣 Language: English", "📬 Posts per mailing: 3");
        assertThat(ivan.say("/pause").text()).startsWith("Paused");

        // another reader's settings button changes nothing
        start(ann);
        String annData = ivan.button(menu, "Posts per mailing");
        assertThat(ann.press(menu.messageId(), annData)).isEqualTo("This button is no longer valid.");
        ivan.pressSetting(menu, "Close");
        assertThat(ivan.labels(menu)).isEmpty();
        assertThat(settings.find(IVAN).block(T).postsPerMailing()).isEqualTo(3);
    }
}
