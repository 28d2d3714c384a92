package io.tidings.app;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.testkit.botapi.SentMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Operator-only commands, and what the bot does with floods, groups, edits, stickers and huge texts. */
class OperatorAndAbuseE2eTest {

    private static final long OPERATOR = 9001;
    private static final long ANN = 9002;
    private static final long BOB = 9003;
    private static final String UNKNOWN = "I don’t know that command. /help lists what I can do.";
    private E2e e2e;
    private Chat op;
    private Chat ann;

    @BeforeEach
    void setUp() {
        e2e = new E2e().channel("alphanews", 4);
        e2e.channels.addChannel("gammanews", "Gamma", "third");
        e2e.addPost("gammanews", 1);
        op = new Chat(e2e, OPERATOR, "en");
        ann = new Chat(e2e, ANN, "en");
    }

    private void start(String burst) {
        e2e.start(List.of("alphanews"), Map.of("OPERATORS", OPERATOR + ", 1", "READER_COMMAND_BURST", burst,
                "READER_COMMANDS_PER_MINUTE", "1", "READER_FLOOD_SILENCE_SECONDS", "600"));
        e2e.ingest();
    }

    @AfterEach
    void tearDown() {
        if (e2e != null) e2e.close();
    }

    @Test
    void operatorsBroadcastAPostToEveryActiveReader() {
        start("100");
        op.say("/start");
        ann.say("/start");
        new Chat(e2e, BOB, "ru").say("/start");
        e2e.awaitPost(ANN, 1);
        e2e.awaitPost(BOB, 1);
        e2e.awaitOutboxEmpty();
        long post = e2e.count("SELECT p.id FROM posts p JOIN channels c ON c.id = p.channel_id "
                + "WHERE c.username = 'alphanews' AND p.message_id = 2");

        assertThat(op.say("/broadcast").text()).startsWith("Send /broadcast");
        assertThat(op.sayOnce("/broadcast https://t.me/alphanews/999 now").text()).startsWith("I have no such post");
        assertThat(op.say("/broadcast " + post + " yesterday").text()).startsWith("I can’t read that time");
        assertThat(op.sayOnce("/broadcast https://t.me/alphanews/2 now").text())
                .matches("Broadcast #\\d+: post #" + post + " \\(https://t\\.me/alphanews/2\\) goes to every active reader at .+ UTC\\.");
        // due now: the loop is woken at once, not at its next tick
        E2e.await("the broadcast queued", () -> e2e.count("SELECT count(*) FROM broadcasts WHERE state = 'queued'") == 1);
        assertThat(e2e.count("SELECT count(*) FROM deliveries WHERE reason = 'broadcast'")).as("queued for readers who have not seen it")
                .isBetween(1L, 3L);
        e2e.awaitOutboxEmpty();
        for (long reader : List.of(OPERATOR, ANN, BOB)) {
            assertThat(e2e.posts(reader)).as("reader %d", reader).extracting(E2e::permalink).contains("https://t.me/alphanews/2");
        }
        assertThat(e2e.app().broadcastLoop().runDue().block(T)).as("a broadcast goes out once").isZero();
        assertThat(op.say("/broadcast " + post + " +2h").text()).contains("goes to every active reader");
        assertThat(e2e.app().broadcastLoop().runDue().block(T)).as("not yet due").isZero();

        assertThat(op.say("/admin stats").text()).startsWith("Service:").contains("readers: 3").contains("broadcasts_scheduled: 1");
        assertThat(op.say("/help").text()).contains("Operator commands:");
    }

    @Test
    void operatorsEditTheCatalogueAndNobodyElseSeesTheseCommands() {
        start("100");
        op.say("/start");
        ann.say("/start");
        assertThat(op.say("/channels add gammanews").text()).isEqualTo("@gammanews is in the catalogue and active.");
        assertThat(e2e.count("SELECT count(*) FROM channels WHERE username = 'gammanews' AND status = 'active'")).isEqualTo(1);
        assertThat(op.say("/channels remove gammanews").text()).isEqualTo("@gammanews is removed from the catalogue.");
        assertThat(op.say("/channels remove nosuchname").text()).isEqualTo("@nosuchname is not in the catalogue.");
        assertThat(e2e.count("SELECT count(*) FROM channels WHERE username = 'gammanews' AND status = 'removed'")).isEqualTo(1);

        for (String command : List.of("/broadcast 1 now", "/admin stats", "/admin", "/channels add alphanews",
                "/channels remove alphanews")) {
            assertThat(ann.say(command).text()).as(command).isEqualTo(UNKNOWN);
        }
        assertThat(ann.say("/help").text()).doesNotContain("/broadcast").doesNotContain("/admin");
        assertThat(e2e.count("SELECT count(*) FROM broadcasts")).isZero();
        assertThat(e2e.count("SELECT count(*) FROM channels WHERE username = 'alphanews' AND status = 'active'")).isEqualTo(1);
    }

    @Test
    void floodingGetsOneWarningThenSilence() {
        start("2"); // 2 messages at once, 1 a minute; buttons 8 at once
        ann.say("/start");
        e2e.awaitPost(ANN, 1);
        int repliesBefore = ann.replies().size(); // the greeting: 1 of the 2 allowed
        for (int i = 0; i < 30; i++) e2e.telegram.pushMessage(ANN, "/help", "en");
        E2e.await("the warning", () -> ann.replies().stream().anyMatch(m -> m.text().startsWith("You are sending commands too fast")));
        e2e.awaitUpdatesHandled();
        List<SentMessage> replies = ann.replies().subList(repliesBefore, ann.replies().size());
        assertThat(replies).extracting(m -> m.text().substring(0, 20)).hasSize(2);
        // updates are handled concurrently: the replies' order is not the messages' order
        assertThat(replies).filteredOn(m -> m.text().startsWith("I send you posts")).hasSize(1);
        assertThat(replies).filteredOn(m -> m.text().startsWith("You are sending commands too fast")).hasSize(1);

        // buttons have a limit of their own; every press is still answered (else the client spins)
        SentMessage post = e2e.awaitPost(ANN, 1);
        int answers = e2e.telegram.calls("answerCallbackQuery").size();
        for (int i = 0; i < 14; i++) e2e.telegram.pushCallbackQuery(ANN, post.messageId(), post.button("More").callbackData());
        E2e.await("presses answered", () -> e2e.telegram.calls("answerCallbackQuery").size() == answers + 14);
        var toasts = e2e.telegram.calls("answerCallbackQuery").subList(answers, answers + 14).stream()
                .map(c -> String.valueOf(c.param("text"))).toList();
        // past the per-reader cap of deliveries on their way, More is asked to wait
        assertThat(toasts).filteredOn(t -> t.equals("Here is another one") || t.startsWith("A few posts are still on their way"))
                .hasSize(8);
        assertThat(toasts).filteredOn(t -> t.startsWith("You are sending commands too fast")).hasSize(1);
        assertThat(toasts).filteredOn(t -> t.equals("null")).as("silently answered").hasSize(5);

        // others are not affected
        assertThat(new Chat(e2e, BOB, "en").say("/help").text()).startsWith("I send you posts");
    }

    @Test
    void groupsEditsStickersAndHugeTextsGetShortAnswers() {
        start("100");
        ann.say("/start");
        String from = "\"from\": {\"id\": " + ANN + ", \"is_bot\": false, \"first_name\": \"A\", \"language_code\": \"ru\"}";
        String group = "{\"message\": {\"message_id\": 7, \"date\": 0, \"text\": \"/start\", \"chat\": {\"id\": -500, \"type\": \"group\", \"title\": \"G\"}, " + from + "}}";
        for (int i = 0; i < 3; i++) e2e.telegram.pushUpdate(group);
        E2e.await("group answered", () -> !e2e.telegram.sentTo(-500).isEmpty());
        e2e.awaitUpdatesHandled();
        assertThat(e2e.telegram.sentTo(-500)).as("one answer, not one per message").singleElement()
                .satisfies(m -> assertThat(m.text()).startsWith("Я работаю только в личных чатах"));

        String chat = "\"chat\": {\"id\": " + ANN + ", \"type\": \"private\"}";
        assertThat(ann.push("{\"edited_message\": {\"message_id\": 3, \"date\": 0, \"edit_date\": 1, \"text\": \"/pause\", "
                + chat + ", " + from + "}}").text()).startsWith("I don’t act on edited messages");
        assertThat(e2e.count("SELECT count(*) FROM readers WHERE status = 'paused'")).isZero();
        assertThat(ann.push("{\"message\": {\"message_id\": 4, \"date\": 0, " + chat + ", " + from + ", \"sticker\": {\"file_id\": \"s\","
                + " \"file_unique_id\": \"u\", \"type\": \"regular\", \"width\": 512, \"height\": 512, \"is_animated\": false,"
                + " \"is_video\": false}}}").text()).startsWith("I only understand commands");
        assertThat(ann.say("/pause " + "x".repeat(20_000)).text()).startsWith("Paused");
        assertThat(ann.say("y".repeat(4096)).text()).startsWith("Send /start to get a post");
    }
}
