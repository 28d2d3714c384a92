package io.tidings;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Ports for the tests' PostgreSQL servers, below the kernel's ephemeral range (Linux: 32768-60999), which outgoing
 * connections and {@code bind(0)} draw from. A server on an ephemeral port found free by binding and closing it can lose
 * it to any connection opened before PostgreSQL binds it, and a test that stops its server to start it again on the
 * same port can lose it the same way; nothing takes a port from this range unless asked for it by number. Each JVM
 * starts at its own place in the range (from its pid, as several JVMs of a build run at once) and never hands a port
 * out twice; a port some other process holds is skipped.
 */
final class TestPorts {

    private static final int FIRST = 20_000;
    private static final int COUNT = 12_000;
    private static int next = (int) (ProcessHandle.current().pid() * 97 % COUNT);

    private TestPorts() {}

    static synchronized int next() {
        for (int tries = 0; tries < COUNT; tries++) {
            int port = FIRST + next;
            next = (next + 1) % COUNT;
            if (free(port)) return port;
        }
        throw new IllegalStateException("no free port in " + FIRST + "-" + (FIRST + COUNT - 1));
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
