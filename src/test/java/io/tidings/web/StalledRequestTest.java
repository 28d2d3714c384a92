package io.tidings.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * A client that promises a body and never sends it (or sends it a byte at a time) does not hold its connection for
 * ever: the server gives up after its read or request limit, answers 408 and closes, and still answers everybody else.
 */
class StalledRequestTest {

    private Metrics metrics;
    private WebServer web;

    @BeforeEach
    void setUp() {
        metrics = Metrics.create();
        web = new WebServer(null, metrics, () -> true, null, null)
                .requestLimits(Duration.ofMillis(500), Duration.ofSeconds(2))
                .routes(r -> r.post("/echo", (req, res) -> res.sendString(req.receive().aggregate().asString()
                        .defaultIfEmpty("").map(b -> "got " + b.length() + "\n")).then()))
                .start("127.0.0.1", 0);
    }

    @AfterEach
    void tearDown() {
        web.close();
        metrics.close();
    }

    @Test
    void aBodyPromisedAndNeverSentIsGivenUpOn() throws IOException {
        try (Socket s = new Socket("127.0.0.1", web.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + "x".repeat(10)).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long t0 = System.nanoTime();
            String answer = readAll(s.getInputStream());
            assertThat(answer).as("a clear 408 and a close, never an answer as if the body were whole")
                    .startsWith("HTTP/1.1 408").contains("connection: close").doesNotContain("got ");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("closed by the server, not by the client's 10 s")
                    .isLessThan(Duration.ofSeconds(9));
        }
        assertThat(echo("hello")).startsWith("HTTP/1.1 200").contains("got 5");
    }

    @Test
    void aBodySentAByteAtATimeIsGivenUpOnAtTheRequestLimit() throws IOException, InterruptedException {
        try (Socket s = new Socket("127.0.0.1", web.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long t0 = System.nanoTime();
            boolean closed = false;
            // one byte every 200 ms stays under the 500 ms read limit; the 2 s request limit must end it
            for (int i = 0; i < 40 && !closed; i++) {
                Thread.sleep(200);
                try {
                    out.write('x');
                    out.flush();
                } catch (IOException e) {
                    closed = true;
                }
                if (s.getInputStream().available() > 0) closed = true;
            }
            String answer = closed ? readAll(s.getInputStream()) : "";
            assertThat(closed).as("the server gave up within 8 s").isTrue();
            assertThat(answer).startsWith("HTTP/1.1 408").doesNotContain("got ");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(9));
        }
        assertThat(echo("hello again")).startsWith("HTTP/1.1 200").contains("got 11");
    }

    private String echo(String body) throws IOException {
        try (Socket s = new Socket("127.0.0.1", web.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));
            return readAll(s.getInputStream());
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0; ) got.write(buf, 0, n);
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // a reset counts as a close; a timeout leaves what came so far
        }
        return got.toString(StandardCharsets.US_ASCII);
    }
}
