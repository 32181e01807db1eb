package io.berth.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Brokers that take the TCP connection and never answer CONNECT (a busy cluster node did so for
 * one device of a thousand): the link gives the attempt up at its deadline, drops that connection
 * and tries again on a new client, starting at the next broker of its list, instead of
 * "connecting" for good.
 */
class MqttLinkDeadlineTest {

    /** A broker that reads and never answers; each connection's future gives -1 once the client dropped it. */
    private static final class Silent implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final List<Socket> accepted = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<Integer>> dropped = new CopyOnWriteArrayList<>();

        Silent() throws IOException {
            Thread acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        accepted.add(s);
                        dropped.add(CompletableFuture.supplyAsync(() -> drain(s)));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String url() {
            return "tcp://127.0.0.1:" + socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"5", "3.1.1"})
    void anUnansweredConnectIsGivenUpAndTriedAgainAtTheNextBroker(String protocol) throws Exception {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try (Silent first = new Silent(); Silent second = new Silent()) {
            MqttLink.Settings settings = new MqttLink.Settings(List.of(first.url(), second.url()), protocol, null,
                    null, new TlsFiles.Settings(null, null, null), Duration.ofHours(1), null);
            MqttLink link = new MqttLink(settings, new Topics("deadline-test", "d1"), payload -> { }, scheduler,
                    Clock.systemUTC());
            link.connectDeadline(Duration.ofMillis(700));
            try {
                link.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (second.accepted.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(1, first.accepted.size(), "the first attempt went to the first broker; status: "
                        + link.status());
                assertTrue(!second.accepted.isEmpty(), "the next attempt went to the second broker; status: "
                        + link.status());
                assertEquals(-1, first.dropped.get(0).get(10, TimeUnit.SECONDS), "the first connection was dropped");
                assertTrue(link.status().contains("did not answer MQTT's CONNECT"), link.status());
            } finally {
                link.close();
                scheduler.shutdownNow();
            }
        }
    }

    private static int drain(Socket s) {
        try (InputStream in = s.getInputStream()) {
            byte[] buffer = new byte[256];
            while (in.read(buffer) >= 0) {
                // nothing is answered
            }
            return -1;
        } catch (IOException e) {
            return -2;
        }
    }
}
