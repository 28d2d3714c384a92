package io.tidings.cli;

import io.tidings.app.Config;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import io.tidings.ingest.ChannelFetchException;
import io.tidings.ingest.ChannelNames;
import io.tidings.ingest.ChannelPage;
import io.tidings.ingest.ChannelPageFetcher;
import io.tidings.ingest.ChannelPageParser;
import io.tidings.ingest.ChannelPost;
import io.tidings.ingest.ChannelUnavailableException;
import io.tidings.testkit.channels.LocalChannelServer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;

/**
 * The ingest commands: {@code scrape NAME [--pages N]} prints a channel's posts as JSON lines, read through
 * {@code TME_BASE_URL}; {@code bench ingest} measures fetching and parsing against the local channel server.
 */
final class IngestCommands {

    static final int MAX_SCRAPE_PAGES = 100;

    private IngestCommands() {
    }

    /** {@code scrape NAME --pages N}; returns the exit code (2: not a channel name, 1: the channel cannot be read). */
    static int scrape(String name, int pages, Config config, PrintStream out, PrintStream err) {
        var channel = ChannelNames.normalize(name);
        if (channel.isEmpty()) {
            err.println("tidings: not a public channel name (5–32 letters, digits or _, starting with a letter)");
            return 2;
        }
        int maxPages = Math.min(pages, MAX_SCRAPE_PAGES);
        var pool = ChannelPageFetcher.newConnectionPool("tme-scrape", 2);
        try {
            var ingest = config.ingest();
            var fetcher = new ChannelPageFetcher(ChannelPageFetcher.newHttpClient(pool), config.tmeBaseUrl(),
                    ingest.requestTimeout(), ingest.maxPageBytes(), Schedulers.boundedElastic());
            Flux<ChannelPage> read = fetcher.fetch(channel.get(), OptionalLong.empty())
                    .expand(page -> page.nextBefore().isPresent()
                            ? fetcher.fetch(channel.get(), page.nextBefore()) : Mono.empty())
                    .take(maxPages);
            for (ChannelPage page : read.toIterable(1)) {
                for (ChannelPost p : page.posts()) {
                    out.println(json(p));
                }
            }
            return 0;
        } catch (ChannelUnavailableException | ChannelFetchException e) {
            err.println("tidings: " + e.getMessage());
            return 1;
        } finally {
            pool.disposeLater().block(Duration.ofSeconds(5));
        }
    }

    /** One post as a JSON object: the fields an operator checks, in a stable order. */
    static String json(ChannelPost p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("channel", p.channel());
        m.put("id", p.messageId());
        m.put("date", p.date().toString());
        m.put("kind", p.kind().sql());
        m.put("text", p.text());
        m.put("media", p.mediaUrls());
        m.put("views", p.views());
        m.put("forwarded_from", p.forwardedFrom());
        m.put("reply_to", p.replyToId() == 0 ? null : p.replyToId());
        m.put("link_preview", p.linkPreview() == null ? null : p.linkPreview().url());
        m.put("edited", p.edited());
        m.put("note", p.mediaNote());
        m.put("permalink", p.permalink());
        return Json.line(m);
    }

    /**
     * {@code bench ingest [--channels N] [--posts N] [--seconds S]}: serves N channels of P posts from the local
     * channel server, reads every page over HTTP (fetch + parse, 8 at a time) and then parses the same pages in memory
     * for S seconds. Prints human lines, then one JSON line.
     */
    static int benchIngest(int channels, int postsPerChannel, int seconds, boolean dedup, PrintStream out) {
        Instant t0 = Instant.parse("2024-05-01T08:00:00Z");
        try (LocalChannelServer server = LocalChannelServer.start()) {
            List<String> names = new ArrayList<>();
            for (int c = 0; c < channels; c++) {
                String name = "bench_channel_" + c;
                names.add(name);
                server.addChannel(name, "Bench channel " + c, "A channel for the ingest benchmark");
                for (int p = 0; p < postsPerChannel; p++) {
                    Instant date = t0.plusSeconds(60L * p);
                    String text = "Post " + p + " of channel " + c + ": some words about <things> & more words,\n"
                            + "a second line with a link https://example.com/" + p;
                    switch (p % 10) {
                        case 0 -> server.addAlbum(name, text, List.of("https://cdn.example/" + c + "/" + p + "a.jpg",
                                "https://cdn.example/" + c + "/" + p + "b.jpg"), date, 1_000L * p);
                        case 3, 6 -> server.addPost(name, text, "https://cdn.example/" + c + "/" + p + ".jpg", date, p);
                        case 8 -> server.addVideo(name, text, "https://cdn.example/" + c + "/" + p + "t.jpg", date, p);
                        default -> server.addPost(name, text, null, date, p);
                    }
                }
            }
            var pool = ChannelPageFetcher.newConnectionPool("tme-bench", 8);
            try {
                var fetcher = new ChannelPageFetcher(ChannelPageFetcher.newHttpClient(pool), server.baseUrl());
                long start = System.nanoTime();
                long[] counts = Flux.fromIterable(names)
                        .flatMap(n -> fetcher.fetch(n, OptionalLong.empty())
                                .expand(page -> page.nextBefore().isPresent()
                                        ? fetcher.fetch(n, page.nextBefore()) : Mono.empty()), 8)
                        .reduce(new long[2], (acc, page) -> {
                            acc[0]++;
                            acc[1] += page.posts().size();
                            return acc;
                        })
                        .block(Duration.ofMinutes(30));
                double fetchSeconds = (System.nanoTime() - start) / 1e9;

                // the same pages, in memory: what parsing alone costs
                HttpClient raw = HttpClient.create();
                List<String> sample = new ArrayList<>();
                for (int i = 0; i < Math.min(20, names.size()); i++) {
                    sample.add(raw.get().uri(server.baseUrl() + "/s/" + names.get(i)).responseContent().aggregate()
                            .asString().block(Duration.ofSeconds(30)));
                }
                long parsedPages = 0;
                long parsedPosts = 0;
                long bytes = 0;
                long deadline = System.nanoTime() + seconds * 1_000_000_000L;
                long parseStart = System.nanoTime();
                while (System.nanoTime() < deadline) {
                    for (int i = 0; i < sample.size(); i++) {
                        parsedPosts += ChannelPageParser.parse(names.get(i), sample.get(i)).posts().size();
                        parsedPages++;
                        bytes += sample.get(i).length();
                    }
                }
                double parseSeconds = (System.nanoTime() - parseStart) / 1e9;
                // the same, plus what the service adds per new post: its text facts and near-duplicate group
                // once to warm the grouping code up as the parser was above, then measured
                parseAndGroup(names.subList(0, sample.size()), sample, seconds, dedup);
                double[] grouped = parseAndGroup(names.subList(0, sample.size()), sample, seconds, dedup);

                Map<String, Object> r = new LinkedHashMap<>();
                r.put("channels", channels);
                r.put("dedup", dedup);
                r.put("pages", counts[0]);
                r.put("posts", counts[1]);
                r.put("fetch_seconds", round(fetchSeconds));
                r.put("fetch_pages_per_s", round(counts[0] / fetchSeconds));
                r.put("fetch_posts_per_s", round(counts[1] / fetchSeconds));
                r.put("parse_pages_per_s", round(parsedPages / parseSeconds));
                r.put("parse_posts_per_s", round(parsedPosts / parseSeconds));
                r.put("parse_mb_per_s", round(bytes / parseSeconds / 1e6));
                r.put("parse_and_facts_cpu_us_per_post", Math.round((grouped[0] + grouped[1]) / grouped[2] * 1e7) / 10.0);
                r.put("facts_cpu_us_per_post", Math.round(grouped[1] / grouped[2] * 1e7) / 10.0);
                r.put("group_share_of_parse", Math.round(grouped[1] / grouped[0] * 1000) / 1000.0);
                r.put("group_share_of_fetch_and_parse", Math.round(grouped[1] / grouped[0]
                        * (parseSeconds / parsedPosts) / (fetchSeconds / counts[1]) * 1000) / 1000.0);
                r.put("cpus", Runtime.getRuntime().availableProcessors());
                out.printf("fetched %d pages (%d posts) of %d channels over HTTP in %.2f s: %.0f pages/s, %.0f posts/s%n",
                        counts[0], counts[1], channels, fetchSeconds, counts[0] / fetchSeconds, counts[1] / fetchSeconds);
                out.printf("parsed in memory: %.0f pages/s, %.0f posts/s (%.1f MB/s of HTML)%n",
                        parsedPages / parseSeconds, parsedPosts / parseSeconds, bytes / parseSeconds / 1e6);
                out.printf("grouping each parsed post (%s) adds %.1f%% to parsing it "
                        + "(both timed in one loop, CPU time of the thread)%n", dedup ? "near-duplicates, filter terms, ad mark" : "filter terms, ad mark; no near-duplicates", 100 * grouped[1] / grouped[0]);
                out.println(Json.line(r));
                return 0;
            } finally {
                pool.disposeLater().block(Duration.ofSeconds(5));
            }
        }
    }

    private static double round(double d) {
        return Math.round(d * 10) / 10.0;
    }
    /**
     * Parses the pages and adds every post to fresh {@link io.tidings.feed.PostFacts} (terms, ad mark, near-duplicate
     * group: the feed's work per new post) for about {@code seconds}; returns the CPU seconds spent parsing and grouping,
     * and the posts.
     */
    private static double[] parseAndGroup(List<String> names, List<String> pages, int seconds, boolean dedup) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        // this thread's CPU time, not the clock: on a loaded machine the clock also counts other processes' turns
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        long parse = 0;
        long group = 0;
        long id = 0;
        long n = 0;
        while (System.nanoTime() < deadline) {
            var facts = new io.tidings.feed.PostFacts(dedup); // a fresh pool each round: every post is new
            for (int i = 0; i < pages.size(); i++) {
                long t0 = cpu.getCurrentThreadCpuTime();
                var posts = ChannelPageParser.parse(names.get(i), pages.get(i)).posts();
                long t1 = cpu.getCurrentThreadCpuTime();
                for (var p : posts) {
                    facts.add(new io.tidings.store.Post(++id, i, names.get(i), "", p.messageId(), p.date(), io.tidings.store.PostKind.TEXT, p.text(),
                            p.html(), List.of(), p.views(), p.forwardedFrom()));
                }
                n += posts.size();
                parse += t1 - t0;
                group += cpu.getCurrentThreadCpuTime() - t1;
            }
        }
        return new double[] {parse / 1e9, group / 1e9, n};
    }
}
