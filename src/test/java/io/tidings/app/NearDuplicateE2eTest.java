package io.tidings.app;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.testkit.botapi.SentMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The same story from several channels reaches a reader once: reposts with a signature, forwards, in either order. */
class NearDuplicateE2eTest {

    private static final String RATE = "ЦБ повысил ключевую ставку до 21% годовых. Регулятор объяснил решение устойчиво высокой "
            + "инфляцией и ростом кредитования. Следующее заседание совета директоров пройдёт в декабре.";
    private static final String STORM = "В Москве в субботу ожидается до плюс 28 градусов и сильные грозы. МЧС просит горожан "
            + "не оставлять машины под деревьями и избегать открытых пространств во время грозы.";
    private static final String ROVER = "NASA's Perseverance rover has collected its tenth rock sample from the Jezero crater on Mars. "
            + "Scientists believe the rock formed in a lake billions of years ago and may hold traces of ancient life.";
    private static final String METRO = "Метро Москвы с 5 ноября закрывает на ремонт участок Таганско-Краснопресненской линии. "
            + "Между станциями будут курсировать бесплатные автобусы, ремонт продлится месяц.";
    private static final long ANN = 8301;
    private static final long BOB = 8302;
    private E2e e2e;

    @BeforeEach
    void setUp() {
        e2e = new E2e();
        e2e.channels.addChannel("alphanews", "Alpha", "first");
        e2e.channels.addChannel("betanews", "Beta", "second");
        post("alphanews", RATE, 100);
        post("alphanews", STORM, 90);
        post("betanews", ROVER, 80);
        e2e.start(List.of("alphanews", "betanews"), Map.of("READER_COMMAND_BURST", "100"));
        e2e.ingest();
    }

    @AfterEach
    void tearDown() {
        if (e2e != null) e2e.close();
    }

    private void post(String channel, String text, int minutesAgo) {
        e2e.channels.addPost(channel, text, null, Instant.now().minus(Duration.ofMinutes(minutesAgo)), 100);
    }

    private List<String> texts(long reader) {
        return e2e.posts(reader).stream().map(SentMessage::textOrCaption).toList();
    }

    private static long mentioning(List<String> texts, String fragment) {
        return texts.stream().filter(t -> t.contains(fragment)).count();
    }

    @Test
    void aRepostOrForwardOfAStoryTheReaderGotIsNotDelivered() {
        Chat ann = new Chat(e2e, ANN, "ru");
        ann.say("/start");
        e2e.awaitPost(ANN, 1);
        e2e.app().feed().mailing(10).block(T);
        e2e.awaitOutboxEmpty();
        assertThat(e2e.posts(ANN)).hasSize(3);

        // the same stories again: a repost with a signature and hashtags, a forward; and one new story
        post("betanews", "⚡️ " + RATE + "\n\n👉 Подписывайтесь на @betanews #экономика", 10);
        e2e.channels.addForwarded("betanews", STORM, "Alpha", Instant.now().minus(Duration.ofMinutes(9)), 100);
        post("alphanews", METRO, 8);
        e2e.ingest();
        assertThat(e2e.app().preferences().facts().anyRepeats()).isTrue();
        e2e.app().feed().mailing(10).block(T);
        e2e.awaitOutboxEmpty();
        List<String> got = texts(ANN);
        assertThat(got).hasSize(4);
        assertThat(mentioning(got, "ключевую ставку")).isEqualTo(1);
        assertThat(mentioning(got, "сильные грозы")).isEqualTo(1);
        assertThat(mentioning(got, "Таганско")).isEqualTo(1);

        // a new reader gets each of the four stories once, whichever telling comes first
        Chat bob = new Chat(e2e, BOB, "en");
        bob.say("/start");
        e2e.awaitPost(BOB, 1);
        e2e.app().feed().mailing(10).block(T);
        e2e.awaitOutboxEmpty();
        List<String> bobs = texts(BOB);
        assertThat(bobs).hasSize(4);
        for (String story : List.of("ключевую ставку", "сильные грозы", "Perseverance", "Таганско")) {
            assertThat(mentioning(bobs, story)).as(story).isEqualTo(1);
        }
    }
}
