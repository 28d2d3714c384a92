package io.tidings.util;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A request body as UTF-8 text, at most {@code max} bytes. A longer one is read to its end but not kept and fails with
 * {@link TooLarge}: never cut, held whole or taken as empty. Reading on rather than cancelling lets the answer (413)
 * arrive: a server that closes while the client still sends resets the connection under its own answer. The server's
 * read and request timeouts bound how long a hostile sender can keep it reading.
 */
public final class BoundedBody {

    private BoundedBody() {}

    public static Mono<String> read(Publisher<byte[]> chunks, int max) {
        return Flux.from(chunks)
                .collect(() -> new Kept(max), Kept::add)
                .flatMap(k -> k.over ? Mono.error(new TooLarge(max)) : Mono.just(k.out.toString(StandardCharsets.UTF_8)));
    }

    /** A body over the limit. */
    public static final class TooLarge extends RuntimeException {
        TooLarge(int max) {
            super("the body is over " + (max % 1024 == 0 ? max / 1024 + " KB" : max + " bytes"), null, false, false);
        }
    }

    /** What was read of a body: its first {@code max} bytes, and whether there was more. */
    private static final class Kept {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int max;
        boolean over;

        Kept(int max) {
            this.max = max;
        }

        void add(byte[] chunk) {
            if (over || out.size() + chunk.length > max) {
                over = true;
                return;
            }
            out.write(chunk, 0, chunk.length);
        }
    }
}
