package io.tidings.app;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidings.testkit.botapi.SentMessage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /export sends a JSON file with every vote; /forget (after the confirm button) leaves no row about the reader. */
class PrivacyE2eTest {

    private static final long ANN = 8201;
    private static final long BOB = 8202;
    private E2e e2e;
    private Chat ann;
    private Chat bob;

    @BeforeEach
    void setUp() {
        e2e = new E2e().channel("alphanews", 5).channel("betanews", 5);
        e2e.channels.addChannel("gammanews", "Gamma", "third");
        e2e.addPost("gammanews", 1);
        e2e.start(List.of("alphanews", "betanews"), Map.of("READER_COMMAND_BURST", "100"));
        e2e.ingest();
        ann = new Chat(e2e, ANN, "en");
        bob = new Chat(e2e, BOB, "ru");
    }

    @AfterEach
    void tearDown() {
        if (e2e != null) e2e.close();
    }

    /** Ann leaves a trace in every table: votes, deliveries, a "less" press, a mute, an /only list, filters, a suggestion. */
    private void annUsesEverything() {
        ann.say("/start");
        SentMessage p1 = e2e.awaitPost(ANN, 1);
        ann.press(p1.messageId(), p1.button("👍").callbackData());
        SentMessage p2 = e2e.awaitPost(ANN, 2);
        ann.press(p2.messageId(), p2.button("👎").callbackData());
        SentMessage p3 = e2e.awaitPost(ANN, 3);
        ann.press(p3.messageId(), p3.button("Less from this channel").callbackData());
        e2e.awaitPost(ANN, 4);
        ann.say("/mute @alphanews");
        ann.say("/only @betanews");
        ann.say("/filter add weather");
        ann.say("/filter require news");
        ann.say("/add gammanews");
        bob.say("/start");
        SentMessage b1 = e2e.awaitPost(BOB, 1);
        bob.press(b1.messageId(), b1.button("👍").callbackData());
    }

    /** Every (table, column) that holds a reader id, found in the catalogue, not listed by hand. */
    private List<String[]> readerColumns() {
        List<String[]> cols = new ArrayList<>(e2e.db.sql().query("""
                SELECT table_name, column_name FROM information_schema.columns
                WHERE table_schema = 'public' AND (column_name IN ('reader_id', 'suggested_by', 'created_by')
                      OR (table_name = 'readers' AND column_name = 'id'))""",
                r -> new String[] {r.get("table_name", String.class), r.get("column_name", String.class)}).collectList().block(T));
        // and every column with a foreign key to readers, whatever its name
        cols.addAll(e2e.db.sql().query("""
                SELECT kcu.table_name, kcu.column_name FROM information_schema.referential_constraints rc
                JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name
                JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.unique_constraint_name
                WHERE ccu.table_name = 'readers'""",
                r -> new String[] {r.get("table_name", String.class), r.get("column_name", String.class)}).collectList().block(T));
        return cols;
    }

    private long rowsAbout(long reader, List<String[]> columns) {
        long n = 0;
        for (String[] c : columns) n += e2e.count("SELECT count(*) FROM " + c[0] + " WHERE " + c[1] + " = $1", reader);
        return n;
    }

    @Test
    void exportSendsAJsonFileWithEveryVoteAndForgetDeletesEverythingAfterConfirming() throws Exception {
        annUsesEverything();
        List<String[]> columns = readerColumns();
        Set<String> tables = new HashSet<>();
        columns.forEach(c -> tables.add(c[0]));
        assertThat(tables).contains("readers", "votes", "deliveries", "channel_penalties", "reader_mutes", "reader_follows",
                "reader_filters", "channels");
        long before = rowsAbout(ANN, columns);
        assertThat(before).as("Ann left rows").isGreaterThanOrEqualTo(12);

        SentMessage file = ann.say("/export");
        assertThat(file.method()).isEqualTo("sendDocument");
        assertThat(file.caption()).startsWith("Everything I keep about you");
        JsonNode json = new ObjectMapper().readTree(file.text());
        assertThat(json.path("reader").path("id").asLong()).isEqualTo(ANN);
        List<Long> votes = e2e.db.sql().query("SELECT post_id FROM votes WHERE reader_id = $1 ORDER BY post_id",
                r -> r.get(0, Long.class), ANN).collectList().block(T);
        List<Long> exported = new ArrayList<>();
        json.path("votes").forEach(v -> exported.add(v.path("post_id").asLong()));
        assertThat(exported).hasSize(2).containsExactlyInAnyOrderElementsOf(votes);
        json.path("votes").forEach(v -> assertThat(v.path("link").asText()).startsWith("https://t.me/"));
        assertThat(json.path("deliveries").size()).isEqualTo(e2e.count("SELECT count(*) FROM deliveries WHERE reader_id = $1", ANN));
        assertThat(json.path("muted").toString()).isEqualTo("[\"alphanews\"]");
        assertThat(json.path("only").toString()).isEqualTo("[\"betanews\"]");
        assertThat(json.path("filters")).hasSize(2);
        assertThat(json.path("less_from_channel")).hasSize(1);
        assertThat(json.path("suggested_channels").toString()).contains("gammanews");
        assertThat(json.path("reader").path("ad_filter").asBoolean()).isTrue();

        SentMessage confirm = ann.say("/forget");
        assertThat(confirm.text()).startsWith("Delete everything I keep about you");
        String yes = ann.button(confirm, "Yes, delete everything");
        assertThat(ann.press(confirm.messageId(), ann.button(confirm, "Cancel"))).isEqualTo("Nothing was deleted.");
        assertThat(rowsAbout(ANN, columns)).isEqualTo(before);
        // Bob cannot press Ann's button
        assertThat(bob.press(confirm.messageId(), yes))
                .isEqualTo("Эта кнопка больше не действует.");

        int replies = ann.replies().size();
        ann.press(confirm.messageId(), yes);
        E2e.await("the goodbye", () -> ann.replies().size() > replies);
        assertThat(ann.replies().get(replies).text()).startsWith("Done: I have deleted everything");
        assertThat(rowsAbout(ANN, columns)).as("no row about Ann in " + columns.size() + " reader columns").isZero();
        assertThat(rowsAbout(BOB, columns)).as("Bob keeps his").isGreaterThan(0);
        assertThat(e2e.count("SELECT count(*) FROM votes WHERE reader_id = $1", BOB)).isEqualTo(1);
        assertThat(ann.say("/stats").text()).startsWith("Send /start");
    }
}
