package io.tidings.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * A request that follows another on the same connection is answered, or the connection is closed so the client sends
 * it again on a new one: it never waits unread. Reactor Netty 1.3.7 (reactor-netty#4361) buffers a request that arrives
 * before the previous one's operations ended (an answer written from another thread, e.g. after a database call), and
 * once it drained that buffer it no longer asked the socket for more: the next request on the connection sat unread
 * until the client gave up. That is how the console's first action after signing in went unanswered.
 */
class KeptAliveRequestsTest {

    private static final int ROUNDS = 5;

    private Metrics metrics;
    private WebServer web;

    @BeforeEach
    void setUp() {
        metrics = Metrics.create();
        // answered from another thread, as a view or action is after its database call
        web = new WebServer(null, metrics, () -> true, null, null)
                .routes(r -> r.get("/later", (req, res) -> Mono.delay(Duration.ofMillis(1)).then(res.sendString(Mono.just("later\n")).then())))
                .start("127.0.0.1", 0);
    }

    @AfterEach
    void tearDown() {
        web.close();
        metrics.close();
    }

    @Test
    void aRequestAfterABufferedOneIsAnsweredOrItsConnectionClosed() throws IOException {
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            try (Socket socket = new Socket("127.0.0.1", web.port())) {
                socket.setSoTimeout(5_000);
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                // /later is answered from another thread, /healthz at once: written together, the second arrives
                // while the first's operations are still running
                out.write(("GET /later HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String first = response(in);
                String second = response(in);
                String third;
                if (second.equals("closed")) {
                    third = "closed";
                } else {
                    try {
                        out.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        third = response(in);
                    } catch (IOException closedMeanwhile) {
                        third = "closed";
                    }
                }
                outcomes.add(first + " / " + second + " / " + third);
            }
        }
        System.out.println("kept-alive requests: " + outcomes.stream().distinct().toList());
        assertThat(outcomes).allSatisfy(o -> assertThat(o).startsWith("200").doesNotContain("no answer"));
    }

    /** The status of the next response on the connection (its body read), "closed", or "no answer" within 5 s. */
    private static String response(InputStream in) throws IOException {
        try {
            String head = headers(in);
            if (head == null) return "closed";
            int length = 0;
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            in.readNBytes(length);
            return head.split(" ")[1];
        } catch (SocketTimeoutException e) {
            return "no answer";
        } catch (IOException e) {
            return "closed";
        }
    }

    private static String headers(InputStream in) throws IOException {
        StringBuilder s = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            s.append((char) c);
            if (s.length() >= 4 && s.substring(s.length() - 4).equals("\r\n\r\n")) return s.toString();
        }
        return s.length() == 0 ? null : s.toString();
    }
}
