package io.tidings.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidings.store.ChannelStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.tidings.TestDatabase;
import io.tidings.ingest.Catalogue.Outcome;
import io.tidings.ingest.Catalogue.Suggestion;
import io.tidings.store.Channel;
import io.tidings.store.ChannelRepository;
import io.tidings.testkit.channels.LocalChannelServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.HttpClient;

class CatalogueTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private ChannelRepository channels;
    private LocalChannelServer server;
    private ChannelPageFetcher fetcher;
    private final AtomicInteger accepted = new AtomicInteger();

    @BeforeEach
    void start() {
        channels = new ChannelRepository(TestDatabase.reset());
        server = LocalChannelServer.start();
        fetcher = new ChannelPageFetcher(HttpClient.create(), server.baseUrl());
        server.addChannel("real_news", "Real News", "");
        server.addPost("real_news", "hello", null, Instant.parse("2024-05-01T08:00:00Z"), 1);
        server.addChannel("private_ish", "No preview", "");
        server.setNoPreview("private_ish");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Catalogue catalogue(boolean autoAccept) {
        return Catalogue.of(channels, fetcher, autoAccept, accepted::incrementAndGet);
    }

    private Suggestion suggest(Catalogue c, String raw) {
        return c.suggest(raw, 42).block(WAIT);
    }

    @Test
    void everyWayOfNamingAChannelIsAcceptedOnce() {
        Catalogue c = catalogue(true);
        assertThat(suggest(c, "https://t.me/s/Real_News")).isEqualTo(new Suggestion(Outcome.ACCEPTED, "real_news", true,
                null));
        for (String raw : new String[] {"@real_news", "t.me/real_news", "https://t.me/real_news/1", "real_news"}) {
            assertThat(suggest(c, raw)).isEqualTo(new Suggestion(Outcome.ACCEPTED, "real_news", false, null));
        }
        assertThat(channels.findByUsername("real_news").map(Channel::status).block(WAIT)).isEqualTo(ChannelStatus.ACTIVE);
        assertThat(accepted).hasValue(1);
        assertThat(server.requests("real_news")).isEqualTo(1); // probed once, at first suggestion
    }

    @Test
    void invalidNamesAreRefusedBeforeAnyRequest() {
        Catalogue c = catalogue(true);
        for (String raw : new String[] {"", "abc", "@1channel", "https://evil.example/s/real_news", "real news",
                "a".repeat(33), "../etc/passwd", "t.me/joinchat/AAAA", null}) {
            Suggestion s = c.suggest(raw, 42).block(WAIT);
            assertThat(s.outcome()).as(String.valueOf(raw)).isEqualTo(Outcome.INVALID);
            assertThat(s.channel()).isNull();
            assertThat(s.detail()).contains("5–32");
        }
        assertThat(server.totalRequests()).isZero();
        assertThat(channels.active().count().block(WAIT)).isZero();
    }

    @Test
    void channelsWithoutAPreviewAreUnavailableAndNotAdded() {
        Catalogue c = catalogue(true);
        assertThat(suggest(c, "@private_ish")).isEqualTo(new Suggestion(Outcome.UNAVAILABLE, "private_ish", false,
                "no public preview"));
        assertThat(suggest(c, "@nobody_here")).isEqualTo(new Suggestion(Outcome.UNAVAILABLE, "nobody_here", false,
                "not found (404)"));
        assertThat(channels.findByUsername("private_ish").block(WAIT)).isNull();
        assertThat(accepted).hasValue(0);
    }

    @Test
    void heldSuggestionsWaitForAnOperator() {
        Catalogue c = catalogue(false);
        assertThat(suggest(c, "@real_news")).isEqualTo(new Suggestion(Outcome.HELD, "real_news", true,
                "waiting for an operator"));
        assertThat(suggest(c, "@real_news").outcome()).isEqualTo(Outcome.HELD);
        assertThat(channels.active().count().block(WAIT)).isZero();
        assertThat(c.held().map(Channel::username).collectList().block(WAIT)).containsExactly("real_news");

        assertThat(c.approve("@real_news").block(WAIT)).isTrue();
        assertThat(accepted).hasValue(1);
        assertThat(suggest(c, "real_news").outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(c.reject("@real_news").block(WAIT)).isTrue();
        assertThat(suggest(c, "real_news").outcome()).isEqualTo(Outcome.UNAVAILABLE);
    }

    @Test
    void aFailedProbeAddsNothingEvenWithAutoAccept() {
        server.addChannel("flaky_news", "Flaky", "");
        server.addPost("flaky_news", "hello", null, Instant.parse("2024-05-01T08:00:00Z"), 1);
        server.failChannel("flaky_news", 503);
        Catalogue c = catalogue(true);
        Suggestion s = suggest(c, "@flaky_news");
        assertThat(s.outcome()).isEqualTo(Outcome.UNCHECKED);
        assertThat(s.detail()).startsWith("could not be checked just now");
        assertThat(channels.findByUsername("flaky_news").block(WAIT)).isNull();
        assertThat(accepted).hasValue(0);

        server.failChannel("flaky_news", 0); // t.me answers again: the same suggestion now goes through
        assertThat(suggest(c, "@flaky_news").outcome()).isEqualTo(Outcome.ACCEPTED);
    }

    @Test
    void eachReaderHasADailyQuotaOfNewChannelsThatHoldsUnderConcurrency() {
        for (int i = 1; i <= 12; i++) {
            server.addChannel("quota_news" + i, "Q" + i, "");
            server.addPost("quota_news" + i, "hello", null, Instant.parse("2024-05-01T08:00:00Z"), 1);
        }
        Catalogue c = Catalogue.of(channels, fetcher, true, accepted::incrementAndGet, new Catalogue.Limits(3, 1000));
        // reader 42 sends ten suggestions at once: exactly three are checked, the rest meet the quota
        List<Suggestion> burst = reactor.core.publisher.Flux.range(1, 10)
                .flatMap(i -> c.suggest("quota_news" + i, 42), 10).collectList().block(WAIT);
        assertThat(burst).filteredOn(x -> x.outcome() == Outcome.ACCEPTED).hasSize(3);
        assertThat(burst).filteredOn(x -> x.outcome() == Outcome.QUOTA).hasSize(7)
                .allSatisfy(x -> assertThat(x.detail()).isEqualTo("at most 3 new channels a day"));
        assertThat(server.totalRequests()).as("no probe beyond the quota").isEqualTo(3);
        assertThat(channels.active().count().block(WAIT)).isEqualTo(3);
        // channels already followed cost nothing; other readers and operators have their own (or no) quota
        String known = burst.stream().filter(x -> x.outcome() == Outcome.ACCEPTED).findFirst().orElseThrow().channel();
        assertThat(c.suggest(known, 42).block(WAIT).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(c.suggest("quota_news11", 43).block(WAIT).outcome()).isEqualTo(Outcome.ACCEPTED);
        for (int i = 0; i < 5; i++) assertThat(c.suggest("quota_news12", 7, true).block(WAIT).outcome()).isEqualTo(Outcome.ACCEPTED);
    }

    @Test
    void suggestionsAreHeldForAnOperatorOnceTheCatalogueIsLarge() {
        server.addChannel("more_news", "More", "");
        server.addPost("more_news", "hello", null, Instant.parse("2024-05-01T08:00:00Z"), 1);
        server.addChannel("last_news", "Last", "");
        server.addPost("last_news", "hello", null, Instant.parse("2024-05-01T08:00:00Z"), 1);
        channels.ensure("first_one").block(WAIT);
        Catalogue c = Catalogue.of(channels, fetcher, true, accepted::incrementAndGet, new Catalogue.Limits(5, 2));
        assertThat(suggest(c, "@real_news").outcome()).isEqualTo(Outcome.ACCEPTED); // the second channel
        Suggestion held = suggest(c, "@more_news");
        assertThat(held.outcome()).isEqualTo(Outcome.HELD);
        assertThat(held.detail()).contains("2 channels or more");
        assertThat(c.held().map(Channel::username).collectList().block(WAIT)).containsExactly("more_news");
        assertThat(c.suggest("@last_news", 7, true).block(WAIT).outcome()).as("an operator is never held")
                .isEqualTo(Outcome.ACCEPTED);
    }
}
