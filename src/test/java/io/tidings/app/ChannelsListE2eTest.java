package io.tidings.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.testkit.botapi.SentMessage;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /channels for a reader who asked for less from hundreds of channels still fits in one Telegram message. */
class ChannelsListE2eTest {

    private static final long READER = 5151;
    private E2e e2e;

    @BeforeEach
    void setUp() {
        e2e = new E2e().channel("alphanews", 3);
        e2e.start(List.of("alphanews"));
        e2e.ingest();
    }

    @AfterEach
    void tearDown() {
        if (e2e != null) e2e.close();
    }

    @Test
    void fourHundredChannelsOfLessFitWithACountOfTheRest() {
        Chat chat = new Chat(e2e, READER, "en");
        chat.say("/start");
        e2e.db.sql().update("INSERT INTO channels (username, title) SELECT 'lesschannel' || g, 'A rather long channel title number ' || g "
                + "FROM generate_series(1, 400) g").block(E2e.T);
        e2e.db.sql().update("INSERT INTO channel_penalties (reader_id, channel_id, post_id) SELECT $1, id, -id FROM channels "
                + "WHERE username LIKE 'lesschannel%'", READER).block(E2e.T);

        SentMessage reply = chat.say("/channels");
        String text = reply.text();
        assertThat(text.length()).isLessThanOrEqualTo(4096);
        int shown = (int) text.lines().filter(l -> l.contains("lesschannel") && l.contains(" — ×")).count();
        assertThat(shown).isBetween(20, 399);
        assertThat(text).contains("…and " + (400 - shown) + " more.\n\nLatest posts")
                .endsWith("Latest posts of one: /channel NAME. Suggest a channel: /add NAME.");
    }
}
