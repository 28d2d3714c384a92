package io.tidings.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.pengrad.telegrambot.model.Update;
import io.tidings.Await;
import io.tidings.TestDatabase;
import io.tidings.store.Database;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * 2,500 mutated webhook requests (bad secrets, huge bodies, truncated JSON, wrong types, unknown update kinds,
 * garbage, flipped bytes, oversized headers; about 200 of each of the 12 kinds) interleaved with 500 valid updates
 * (and 50 of them delivered again)
 * through the real webhook server, inbox and PostgreSQL: the server answers every request, every valid update is
 * answered 200 and handled exactly once, everything answered 200 is handled exactly once and nothing refused is
 * handled, and a body declared over the limit is refused before it is read (the test sends only its first kilobyte).
 * Prints the counts by kind and answer.
 */
class WebhookFuzzTest {

    private static final Duration T = Duration.ofSeconds(60);
    private static final String SECRET = "fuzz_Secret-42";
    private static final int MAX_BODY = 64 * 1024;
    // 10,000 mutants took 17 s of CPU, a twentieth of the whole test run's; 5,000 about 10 s; 2,500 still hit every
    // kind 182-222 times (printed below), each kind's answers asserted as before, and all 500 valid updates and their
    // 50 deliveries again go between the mutants
    private static final int MUTANTS = 2_500;
    private static final int VALID = 500;
    private static final int REDELIVERED = 50;
    /** Mutants carry update ids from here on, so no mutant can take a valid update's id. */
    private static final int MUTANT_IDS = 1_000_000;

    private Database db;
    private Metrics metrics;
    private UpdateInbox inbox;
    private WebServer web;
    private reactor.core.Disposable draining;
    private final ConnectionProvider connections = ConnectionProvider.create("fuzz", 32);
    private final Map<Integer, AtomicInteger> handled = new ConcurrentHashMap<>();

    /** One request to send: its kind, the update id it carries (or -1), and how to send it. */
    private record Shot(String kind, int updateId, Mono<Integer> send) {}

    @BeforeEach
    void setUp() {
        db = TestDatabase.reset();
        db.sql().update("TRUNCATE updates").block(T);
        metrics = Metrics.create();
        inbox = new UpdateInbox(db, "fuzz", this::count, 16, Duration.ofMinutes(1), metrics.registry());
        web = new WebServer(db, metrics, () -> true, new WebServer.Webhook("/telegram/webhook", SECRET, MAX_BODY), inbox)
                .start("127.0.0.1", 0);
        draining = inbox.start(Duration.ofMillis(200));
    }

    @AfterEach
    void tearDown() {
        draining.dispose();
        web.close();
        metrics.close();
        connections.dispose();
    }

    private Mono<Void> count(Update u) {
        handled.computeIfAbsent(u.updateId(), k -> new AtomicInteger()).incrementAndGet();
        return Mono.empty();
    }

    @Test
    void mutatedRequestsAreRefusedOrHandledOnceAndValidUpdatesAreHandledExactlyOnce() {
        SplittableRandom rnd = new SplittableRandom(17);
        List<Shot> shots = new ArrayList<>();
        List<String> validBodies = new ArrayList<>();
        int mutants = 0, valid = 0;
        while (mutants < MUTANTS || valid < VALID) {
            if (valid < VALID && (mutants >= MUTANTS || rnd.nextInt(MUTANTS / VALID + 1) == 0)) {
                valid++;
                validBodies.add(validUpdate(valid, rnd));
                shots.add(new Shot("valid", valid, post(SECRET, validBodies.get(valid - 1))));
                if (valid % (VALID / REDELIVERED) == 0) { // Telegram delivers an update again when it missed the 200
                    int again = 1 + rnd.nextInt(valid);
                    shots.add(new Shot("valid_again", again, post(SECRET, validBodies.get(again - 1))));
                }
            } else {
                mutants++;
                shots.add(mutant(MUTANT_IDS + mutants, rnd));
            }
        }
        Map<String, Map<Integer, Integer>> answers = new TreeMap<>();
        Map<String, Long> micros = new TreeMap<>();
        Map<Integer, Integer> acceptedMutants = new ConcurrentHashMap<>();
        Map<Integer, Integer> refusedMutants = new ConcurrentHashMap<>();
        long started = System.nanoTime();
        List<int[]> results = Flux.fromIterable(shots).index()
                .flatMapSequential(t -> Mono.defer(() -> {
                    long t0 = System.nanoTime();
                    return t.getT2().send().onErrorResume(e -> Mono.just(e instanceof io.netty.handler.timeout.ReadTimeoutException ? -1 : 0))
                            .map(status -> new int[]{t.getT1().intValue(), status, (int) ((System.nanoTime() - t0) / 1000)});
                }), 32)
                .collectList().block(Duration.ofMinutes(2));
        double seconds = (System.nanoTime() - started) / 1e9;
        for (int[] r : results) {
            Shot shot = shots.get(r[0]);
            answers.computeIfAbsent(shot.kind(), k -> new TreeMap<>()).merge(r[1], 1, Integer::sum);
            micros.merge(shot.kind(), (long) r[2], Long::sum);
            if (shot.updateId() >= MUTANT_IDS) (r[1] == 200 ? acceptedMutants : refusedMutants).put(shot.updateId(), r[1]);
        }
        // every valid update (and every accepted mutant) handled exactly once; nothing refused handled
        Await.until("every accepted update handled", () -> handled.keySet().containsAll(acceptedMutants.keySet())
                && java.util.stream.IntStream.rangeClosed(1, VALID).allMatch(handled::containsKey), T);
        long handledTotal = handled.values().stream().mapToInt(AtomicInteger::get).sum();
        System.out.printf("webhook fuzz: %d requests in %.1f s (%d mutated, %d valid, %d valid again); answers by kind: %s; "
                        + "handled %d updates (%d valid, %d accepted mutants: unknown kinds and harmless changes), "
                        + "handled twice: %d%n", shots.size(), seconds, MUTANTS, VALID, REDELIVERED, answers, handledTotal,
                handled.keySet().stream().filter(id -> id < MUTANT_IDS).count(), acceptedMutants.size(),
                handled.values().stream().filter(n -> n.get() > 1).count());

        System.out.println("webhook fuzz: time by kind (ms, summed over concurrent requests): "
                + micros.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue() / 1000).toList());
        assertThat(answers.get("valid")).containsOnlyKeys(200);
        assertThat(answers.get("valid_again")).containsOnlyKeys(200);
        assertThat(handled.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        assertThat(handled.keySet()).doesNotContainAnyElementsOf(refusedMutants.keySet());
        assertThat(handled.keySet().stream().filter(id -> id >= MUTANT_IDS)).containsExactlyInAnyOrderElementsOf(acceptedMutants.keySet());
        // the server answered everything in time; an upload or a header over the limit may be cut off instead (the
        // decoder answers 413/431 and closes at once, and a client still writing can see the close before the answer).
        // A header over the limit on a kept-alive connection once got neither (reactor-netty#4361; WebServer now
        // answers one request per connection, see OverlongHeadersTest)
        answers.forEach((kind, byStatus) -> {
            if (!kind.equals("huge_chunked") && !kind.equals("huge_header")) assertThat(byStatus).as(kind).doesNotContainKey(0);
            assertThat(byStatus).as(kind + ": answered in time").doesNotContainKey(-1);
        });
        assertThat(answers.get("bad_secret")).containsOnlyKeys(401);
        assertThat(answers.get("no_secret")).containsOnlyKeys(401);
        assertThat(answers.get("huge_declared")).as("refused on the header, before the body").containsOnlyKeys(413);
        assertThat(answers.get("huge_sent")).containsOnlyKeys(413);
        assertThat(answers.get("huge_header")).containsKey(431);
        assertThat(answers.get("huge_header").keySet()).as("431, or cut off while writing").isSubsetOf(0, 431);
        assertThat(answers.get("huge_header").getOrDefault(431, 0)).as("refused with 431 nearly always")
                .isGreaterThan(answers.get("huge_header").values().stream().mapToInt(Integer::intValue).sum() * 9 / 10);
        assertThat(answers.get("truncated")).containsOnlyKeys(400);
        assertThat(answers.get("not_json")).containsOnlyKeys(400);
        assertThat(answers.get("deep_nesting")).containsOnlyKeys(400);
        assertThat(answers.get("unknown_kind")).containsOnlyKeys(200);
        assertThat(answers.get("wrong_types")).containsKey(400);
        assertThat(post(SECRET, validUpdate(VALID + 1, rnd)).block(T)).as("still answering").isEqualTo(200);
    }

    // ---- requests ---------------------------------------------------------------------------------------

    private static final String[] KINDS = {"bad_secret", "no_secret", "huge_declared", "huge_sent", "huge_chunked",
            "truncated", "not_json", "wrong_types", "unknown_kind", "flipped", "deep_nesting", "huge_header"};

    private Shot mutant(int id, SplittableRandom rnd) {
        String kind = KINDS[rnd.nextInt(KINDS.length)];
        String body = validUpdate(id, rnd);
        Mono<Integer> send = switch (kind) {
            case "bad_secret" -> post(rnd.nextBoolean() ? SECRET + "x" : randomText(rnd, 1 + rnd.nextInt(40)), body);
            case "no_secret" -> post(rnd.nextBoolean() ? null : "", body);
            case "huge_declared" -> raw(declaredHuge(body));
            case "huge_sent" -> post(SECRET, "{\"update_id\":" + id + ",\"pad\":\"" + "x".repeat(MAX_BODY + rnd.nextInt(MAX_BODY)) + "\"}");
            case "huge_chunked" -> raw(chunkedHuge(id));
            case "truncated" -> post(SECRET, body.substring(0, rnd.nextInt(body.length() - 1)));
            case "not_json" -> postBytes(SECRET, randomBytes(rnd, rnd.nextInt(2000)));
            case "wrong_types" -> post(SECRET, wrongTypes(id, rnd));
            case "unknown_kind" -> post(SECRET, "{\"update_id\":" + id + ",\"" + randomName(rnd) + "\":{\"id\":" + rnd.nextInt(1000)
                    + ",\"text\":\"from the future\"}}");
            case "flipped" -> postBytes(SECRET, flipped(body, rnd));
            case "deep_nesting" -> post(SECRET, "{\"update_id\":" + id + ",\"message\":" + "[".repeat(5_000 + rnd.nextInt(20_000)));
            case "huge_header" -> postWithHeader(body, "X-Padding", "p".repeat(20_000 + rnd.nextInt(20_000)));
            default -> throw new IllegalStateException(kind);
        };
        return new Shot(kind, id, send);
    }

    private static String validUpdate(int id, SplittableRandom rnd) {
        long user = 1000 + rnd.nextInt(500);
        if (rnd.nextBoolean()) {
            return "{\"update_id\":" + id + ",\"message\":{\"message_id\":" + (1 + rnd.nextInt(1000)) + ",\"date\":1700000000,"
                    + "\"chat\":{\"id\":" + user + ",\"type\":\"private\"},\"from\":{\"id\":" + user + ",\"is_bot\":false,"
                    + "\"first_name\":\"Ann\",\"language_code\":\"en\"},\"text\":\"/start\"}}";
        }
        return "{\"update_id\":" + id + ",\"callback_query\":{\"id\":\"" + id + "77\",\"from\":{\"id\":" + user
                + ",\"is_bot\":false,\"first_name\":\"Bo\"},\"chat_instance\":\"9\",\"data\":\"v1.abc\","
                + "\"message\":{\"message_id\":5,\"date\":1700000000,\"chat\":{\"id\":" + user + ",\"type\":\"private\"}}}}";
    }

    /** Types Telegram never sends: mostly refused by the parser, a few harmless enough to be accepted. */
    private static String wrongTypes(int id, SplittableRandom rnd) {
        String[] variants = {
                "{\"update_id\":\"" + id + "x\",\"message\":{}}",
                "{\"update_id\":" + id + ".5e400,\"message\":{}}",
                "{\"update_id\":[" + id + "],\"message\":{}}",
                "{\"update_id\":" + id + ",\"message\":[1,2,3]}",
                "{\"update_id\":" + id + ",\"message\":\"hello\"}",
                "{\"update_id\":" + id + ",\"message\":{\"message_id\":{\"a\":1},\"chat\":{\"id\":1}}}",
                "{\"update_id\":" + id + ",\"message\":{\"message_id\":1,\"date\":\"yesterday\",\"chat\":{\"id\":1}}}",
                "{\"update_id\":" + id + ",\"callback_query\":42}",
                "{\"update_id\":" + id + ",\"callback_query\":{\"from\":\"me\"}}",
                "{\"update_id\":" + id + ",\"message\":{\"message_id\":1,\"chat\":{\"id\":\"12ab\"},\"text\":{}}}",
                "{\"update_id\":-" + id + ",\"message\":{}}",
                "{\"update_id\":null}",
                "{\"update_id\":true}",
        };
        return variants[rnd.nextInt(variants.length)];
    }

    private static byte[] flipped(String body, SplittableRandom rnd) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        int from = body.indexOf(',') + 1; // the update_id stays: a flip must not take another update's id
        for (int i = 0, n = 1 + rnd.nextInt(4); i < n; i++) {
            int at = from + rnd.nextInt(b.length - from);
            b[at] = (byte) (b[at] ^ (1 << rnd.nextInt(8)));
        }
        return b;
    }

    private Mono<Integer> post(String secret, String body) {
        return postBytes(secret, body.getBytes(StandardCharsets.UTF_8));
    }

    private Mono<Integer> postBytes(String secret, byte[] body) {
        return client(secret).post().uri(path()).send((req, out) -> out.sendByteArray(Mono.just(body)))
                .responseSingle((res, content) -> content.then(Mono.just(res.status().code())));
    }

    private Mono<Integer> postWithHeader(String body, String name, String value) {
        return client(SECRET).headers(h -> h.set(name, value)).post().uri(path())
                .send((req, out) -> out.sendString(Mono.just(body)))
                .responseSingle((res, content) -> content.then(Mono.just(res.status().code())));
    }

    private HttpClient client(String secret) {
        // an answer that never comes is counted as none (-1), never a test that hangs
        return HttpClient.create(connections).port(web.port()).host("127.0.0.1").responseTimeout(Duration.ofSeconds(8)).headers(h -> {
            h.set("Content-Type", "application/json");
            if (secret != null) h.set(WebhookHandler.SECRET_HEADER, secret);
        });
    }

    private static String path() {
        return "/telegram/webhook";
    }

    /** Headers declaring 100 MB, then only the first kilobyte: the answer must come without the rest. */
    private byte[] declaredHuge(String body) {
        String head = "POST " + path() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + WebhookHandler.SECRET_HEADER + ": " + SECRET + "\r\nContent-Length: 100000000\r\n\r\n";
        return (head + body + " ".repeat(1024)).getBytes(StandardCharsets.UTF_8);
    }

    /** A chunked upload that never ends by itself: the server must stop it at the limit. */
    private byte[] chunkedHuge(int id) {
        String head = "POST " + path() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + WebhookHandler.SECRET_HEADER + ": " + SECRET + "\r\nTransfer-Encoding: chunked\r\n\r\n";
        StringBuilder s = new StringBuilder(head);
        String chunk = "{\"update_id\":" + id + ",\"pad\":\"" + "y".repeat(8000);
        for (int sent = 0; sent < MAX_BODY * 2; sent += chunk.length()) {
            s.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Writes the bytes on a fresh connection and reads the status line; 0 when the connection closed without one. */
    private Mono<Integer> raw(byte[] request) {
        return Mono.fromCallable(() -> {
            try (Socket socket = new Socket("127.0.0.1", web.port())) {
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                try {
                    out.write(request);
                    out.flush();
                } catch (IOException closedWhileWriting) {
                    // the server answered and closed before taking everything: its answer may still be readable
                }
                return statusLine(socket.getInputStream());
            } catch (SocketTimeoutException e) {
                return -1; // waited for the body it was promised: counted as no answer in time
            } catch (IOException e) {
                return 0;
            }
        }).subscribeOn(Schedulers.boundedElastic());
    }

    private static int statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c; (c = in.read()) != -1 && c != '\n'; ) line.append((char) c);
        String[] parts = line.toString().split(" ");
        return parts.length > 1 && parts[0].startsWith("HTTP/") ? Integer.parseInt(parts[1]) : 0;
    }

    private static String randomText(SplittableRandom rnd, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) s.append((char) ('!' + rnd.nextInt(94)));
        return s.toString();
    }

    private static String randomName(SplittableRandom rnd) {
        String[] names = {"business_message", "message_reaction", "chat_boost", "purchased_paid_media", "x_future_kind"};
        return names[rnd.nextInt(names.length)];
    }

    private static byte[] randomBytes(SplittableRandom rnd, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) rnd.nextInt(256);
        if (n > 0 && b[0] == '{') b[0] = '('; // never by chance a JSON object
        return b;
    }
}
