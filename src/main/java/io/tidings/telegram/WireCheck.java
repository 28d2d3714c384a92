package io.tidings.telegram;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import okhttp3.Connection;
import okhttp3.Interceptor;
import okhttp3.Protocol;
import okhttp3.Response;

/**
 * Tells a request that never left from one that may have reached Telegram, for calls that must not be repeated.
 *
 * <p>The fact: OkHttp connects (DNS, TCP, TLS) before it runs network interceptors, so a failure that never reaches
 * this interceptor happened before a byte of the request was written: the request provably was not processed. Any
 * failure once the request is being written (a read timeout, a reset, "unexpected end of stream") may come after
 * Telegram acted on it. OkHttp itself, with {@code retryOnConnectionFailure} on, repeats such a request if its body
 * can be replayed (a form body can), POSTs included; it checks a pooled HTTP/1.1 connection for a close by the server
 * only after it sat idle for 10 s ({@code RealConnection.isHealthy} in OkHttp 5.5). The rule: sends go through a client
 * with {@code retryOnConnectionFailure(false)} and this interceptor, which (1) before reusing a pooled connection
 * peeks at its socket for one millisecond and, if the server closed it, closes it and fails with
 * {@link StaleConnection} before writing (safe to repeat), and (2) marks every later failure {@link MaybeSent}.
 * The sends client speaks HTTP/1.1 only, so the peek never meets multiplexed HTTP/2 frames.
 */
final class WireCheck implements Interceptor {

    /** The pooled connection was closed by the server before the request was written: nothing was sent. */
    static final class StaleConnection extends IOException {
        StaleConnection(String message) {
            super(message);
        }
    }

    /** The request failed after it started to be written: Telegram may have processed it. */
    static final class MaybeSent extends IOException {
        MaybeSent(IOException cause) {
            super(cause.toString(), cause);
        }
    }

    private final Set<Connection> seen = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    @Override
    public Response intercept(Chain chain) throws IOException {
        Connection connection = chain.connection();
        if (connection != null && connection.protocol() == Protocol.HTTP_1_1 && !seen.add(connection)) {
            // reused: the server may have closed it while it sat in the pool
            Socket socket = connection.socket();
            if (closedByPeer(socket)) {
                socket.close(); // so the pool drops it
                throw new StaleConnection("pooled connection closed by the server while idle");
            }
        }
        try {
            return chain.proceed(chain.request());
        } catch (IOException e) {
            throw new MaybeSent(e);
        }
    }

    /** A one-millisecond read on an idle HTTP/1.1 connection: end of stream (or stray bytes) means unusable. */
    private static boolean closedByPeer(Socket socket) {
        if (socket.isClosed() || socket.isInputShutdown() || socket.isOutputShutdown()) return true;
        int timeout = -1;
        try {
            timeout = socket.getSoTimeout();
            socket.setSoTimeout(1);
            InputStream in = socket.getInputStream();
            return in.read() != -2; // -1: closed; a byte: the stream is out of step, unusable either way
        } catch (SocketTimeoutException e) {
            return false; // nothing to read: alive
        } catch (IOException e) {
            return true;
        } finally {
            try {
                if (timeout >= 0 && !socket.isClosed()) socket.setSoTimeout(timeout);
            } catch (IOException ignored) {
                // closed meanwhile: the request will fail as MaybeSent or the next check drops it
            }
        }
    }

}
