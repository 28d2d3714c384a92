package io.tidings.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.spi.Connection;
import io.tidings.TestDatabase;
import io.tidings.store.ChannelRepository;
import io.tidings.store.Database;
import io.tidings.store.PostKind;
import io.tidings.store.PostRepository;
import io.tidings.store.VoteRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Two transactions vote at once and commit out of order: the one that took the lower {@code seq} commits after a
 * training read the other. Reading by {@code seq} skips it for good; reading by transaction horizon does not.
 */
class CommittedVotesTest {

    private static final Duration T = Duration.ofSeconds(30);
    private Database db;
    private VoteRepository votes;
    private long post;

    @BeforeEach
    void setUp() {
        db = TestDatabase.reset();
        votes = new VoteRepository(db);
        long channel = new ChannelRepository(db).ensure("chan").block(T).id();
        post = new PostRepository(db).insertIfAbsent(new PostRepository.NewPost(channel, 1, Instant.now(), PostKind.TEXT,
                "p", "p", List.of(), 1, null)).block(T).id();
        db.sql().update("INSERT INTO readers (id, first_name, language) SELECT g, 'r', 'en' FROM generate_series(1, 3) g").block(T);
    }

    @Test
    void aVoteCommittedAfterALaterOneIsReadByTheNextTraining() {
        votes.upsert(1, post, true).block(T);
        CommittedVotes committed = new CommittedVotes(votes);
        CommittedVotes.Read full = committed.all().block(T);
        assertThat(readers(full.rows().collectList().block(T))).containsExactly(1L);
        committed.advance(full.horizon());

        Connection slow = open();
        Connection fast = open();
        try {
            begin(slow);
            vote(slow, 2); // takes its seq first …
            begin(fast);
            vote(fast, 3);
            commit(fast); // … but commits last
            // what reading by seq did: vote 3 is visible, so the watermark moves past the seq vote 2 holds
            long seqBefore = full.rows().collectList().block(T).get(0).seq();
            List<VoteRepository.VoteRow> bySeq = votes.since(seqBefore).collectList().block(T);
            assertThat(readers(bySeq)).containsExactly(3L);
            long trainedSeq = bySeq.get(0).seq();

            long[] reached = {0};
            assertThat(committed.fresh(trainedSeq, reached).block(T)).as("held back while an older transaction is open").isEmpty();
            committed.advance(reached[0]);

            commit(slow);
            assertThat(votes.since(trainedSeq).collectList().block(T)).as("by seq, the late vote is skipped for good").isEmpty();
            List<VoteRepository.VoteRow> next = committed.fresh(trainedSeq, reached).block(T);
            assertThat(readers(next)).as("by transaction, both are read once it commits").containsExactly(2L, 3L);
            assertThat(next.get(0).seq()).isLessThan(trainedSeq);
            committed.advance(reached[0]);
            assertThat(committed.fresh(trainedSeq, reached).block(T)).as("and only once").isEmpty();

            votes.upsert(3, post, false).block(T);
            assertThat(readers(committed.fresh(trainedSeq, reached).block(T))).as("a changed vote is new again").containsExactly(3L);
        } finally {
            Mono.from(slow.close()).block(T);
            Mono.from(fast.close()).block(T);
        }
    }

    @Test
    void aHorizonNotAdvancedReadsTheSameVotesAgain() {
        CommittedVotes committed = new CommittedVotes(votes);
        committed.advance(committed.all().block(T).horizon());
        votes.upsert(1, post, true).block(T);
        long[] reached = {0};
        assertThat(readers(committed.fresh(0, reached).block(T))).containsExactly(1L);
        // the training failed: nothing advanced, the vote is read again
        assertThat(readers(committed.fresh(0, reached).block(T))).containsExactly(1L);
    }

    private Connection open() {
        return Mono.from(db.pool().create()).block(T);
    }

    private static void begin(Connection c) {
        Mono.from(c.beginTransaction()).block(T);
    }

    private static void commit(Connection c) {
        Mono.from(c.commitTransaction()).block(T);
    }

    private void vote(Connection c, long reader) {
        Flux.from(c.createStatement("INSERT INTO votes (reader_id, post_id, liked) VALUES ($1, $2, true)")
                .bind(0, reader).bind(1, post).execute()).flatMap(r -> r.getRowsUpdated()).blockLast(T);
    }

    private static List<Long> readers(List<VoteRepository.VoteRow> rows) {
        return rows.stream().map(VoteRepository.VoteRow::reader).toList();
    }
}
