package io.tidings.app;

import static io.tidings.app.E2e.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.store.VoteRepository;
import io.tidings.testkit.botapi.RecordedCall;
import io.tidings.testkit.botapi.SentMessage;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A reader's way through the bot, from /start over many votes to a mailing, through the real pengrad client. */
class ReaderJourneyE2eTest {

    private static final long ANN = 5001;
    private E2e e2e;
    private VoteRepository votes;

    @BeforeEach
    void setUp() {
        e2e = new E2e().channel("alphanews", 6).channel("betanews", 6);
        e2e.start(List.of("alphanews", "betanews"));
        assertThat(e2e.ingest()).isEqualTo(12);
        votes = new VoteRepository(e2e.db);
    }

    @AfterEach
    void tearDown() {
        if (e2e != null) e2e.close();
    }

    @Test
    void startGreetsAndSendsAPostWithVoteButtons() {
        e2e.telegram.pushMessage(ANN, "/start", "en");

        SentMessage first = e2e.awaitPost(ANN, 1);
        List<SentMessage> chat = e2e.telegram.sentTo(ANN);
        assertThat(chat.get(0).text()).startsWith("Hi").contains("👍");
        assertThat(chat.get(0).buttons()).isEmpty();
        assertThat(first.buttons()).extracting(SentMessage.Button::text).containsExactly("👍", "👎", "More ➡️", "🔉 Less from this channel", "🔇 Mute channel");
        assertThat(first.buttons()).allSatisfy(b -> assertThat(b.callbackData()).hasSizeBetween(1, 64));
        assertThat(E2e.permalink(first)).matches("https://t\\.me/(alphanews|betanews)/\\d+");
        e2e.awaitOutboxEmpty(); // outcomes are recorded in batches, a moment after the send
        assertThat(e2e.deliveries(ANN)).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo("start");
            assertThat(d.state()).isEqualTo("sent");
        });
    }

    @Test
    void votingStoresTheVoteMarksTheButtonAndSendsTheNextPostNeverARepeat() {
        e2e.telegram.pushMessage(ANN, "/start", "en");
        int presses = 6;
        for (int i = 1; i <= presses; i++) {
            SentMessage post = e2e.awaitPost(ANN, i);
            long postId = e2e.postOf(post);
            boolean like = i % 2 == 1;
            int answersBefore = e2e.telegram.calls("answerCallbackQuery").size();
            e2e.telegram.pushCallbackQuery(ANN, post.messageId(), post.button(like ? "👍" : "👎").callbackData());

            SentMessage next = e2e.awaitPost(ANN, i + 1);
            assertThat(votes.find(ANN, postId).block(T)).as("vote %d stored", i).isEqualTo(like);
            assertThat(e2e.telegram.calls("answerCallbackQuery")).hasSize(answersBefore + 1)
                    .last().satisfies(c -> {
                        assertThat(c.ok()).isTrue();
                        assertThat(c.param("text")).contains(like ? "👍" : "👎");
                    });
            String chosen = like ? "✅ 👍" : "✅ 👎";
            E2e.await("button marked", () -> e2e.telegram.calls("editMessageReplyMarkup").stream()
                    .anyMatch(c -> c.ok() && c.param("message_id").equals(String.valueOf(post.messageId()))
                            && c.param("reply_markup").contains(chosen)));
            assertThat(E2e.permalink(next)).isNotEqualTo(E2e.permalink(post));
        }
        assertThat(votes.count().block(T)).isEqualTo(presses);

        // a mailing on top of the votes still brings something new
        assertThat(e2e.app().feed().mailing(1).block(T)).isEqualTo(1);
        e2e.awaitPost(ANN, presses + 2);
        e2e.awaitOutboxEmpty();

        List<SentMessage> posts = e2e.posts(ANN);
        assertThat(posts).hasSize(presses + 2);
        assertThat(posts.stream().map(E2e::permalink).distinct().count()).as("distinct posts sent").isEqualTo(posts.size());
        var rows = e2e.deliveries(ANN);
        assertThat(rows).hasSize(presses + 2).allSatisfy(d -> assertThat(d.state()).isEqualTo("sent"));
        assertThat(rows.stream().map(E2e.Delivery::post).distinct().count()).isEqualTo(rows.size());
        assertThat(rows).extracting(E2e.Delivery::reason).startsWith("start").endsWith("mailing");
        Set<Long> sentPosts = new HashSet<>();
        posts.forEach(m -> sentPosts.add(e2e.postOf(m)));
        assertThat(sentPosts).hasSize(posts.size());
    }

    @Test
    void moreSendsAnotherPostWithoutVoting() {
        e2e.telegram.pushMessage(ANN, "/start", "en");
        SentMessage first = e2e.awaitPost(ANN, 1);
        e2e.telegram.pushCallbackQuery(ANN, first.messageId(), first.button("More").callbackData());
        SentMessage second = e2e.awaitPost(ANN, 2);
        assertThat(E2e.permalink(second)).isNotEqualTo(E2e.permalink(first));
        assertThat(votes.count().block(T)).isZero();
        assertThat(e2e.telegram.calls("answerCallbackQuery")).singleElement().satisfies(c -> assertThat(c.ok()).isTrue());
    }

    @Test
    void pressingTheSameVoteTwiceKeepsOneVoteAndChangingItUpdatesIt() {
        e2e.telegram.pushMessage(ANN, "/start", "en");
        SentMessage post = e2e.awaitPost(ANN, 1);
        long postId = e2e.postOf(post);
        String like = post.button("👍").callbackData();
        String dislike = post.button("👎").callbackData();

        e2e.telegram.pushCallbackQuery(ANN, post.messageId(), like);
        E2e.await("first answer", () -> e2e.telegram.calls("answerCallbackQuery").size() == 1);
        e2e.telegram.pushCallbackQuery(ANN, post.messageId(), like);
        E2e.await("second answer", () -> e2e.telegram.calls("answerCallbackQuery").size() == 2);
        assertThat(votes.count().block(T)).isEqualTo(1);
        assertThat(votes.find(ANN, postId).block(T)).isTrue();
        long seqAfterLikes = votes.maxSeq().block(T);

        e2e.telegram.pushCallbackQuery(ANN, post.messageId(), dislike);
        E2e.await("third answer", () -> e2e.telegram.calls("answerCallbackQuery").size() == 3);
        assertThat(votes.count().block(T)).isEqualTo(1);
        assertThat(votes.find(ANN, postId).block(T)).isFalse();
        assertThat(votes.maxSeq().block(T)).as("a changed vote counts as new for the trainer").isGreaterThan(seqAfterLikes);
        assertThat(e2e.telegram.calls("answerCallbackQuery")).allMatch(RecordedCall::ok);
        E2e.await("dislike marked", () -> e2e.telegram.calls("editMessageReplyMarkup").stream()
                .anyMatch(c -> c.ok() && c.param("reply_markup").contains("✅ 👎")));
    }
}
