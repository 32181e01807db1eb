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
 * A broker that takes the TCP connection and never answers CONNECT (a busy cluster node did so
 * for one device of a thousand): the link gives the attempt up at its deadline, closes that
 * connection and tries again on a new one, instead of "connecting" for good.
 */
class MqttLinkDeadlineTest {

    @ParameterizedTest
    @ValueSource(strings = {"5", "3.1.1"})
    void anUnansweredConnectIsGivenUpAndTriedAgain(String protocol) throws Exception {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Integer>> closedByClient = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!silent.isClosed()) {
                    try {
                        Socket s = silent.accept();
                        accepted.add(s);
                        // read what comes (the CONNECT) and answer nothing; -1 once the client drops it
                        closedByClient.add(CompletableFuture.supplyAsync(() -> drain(s)));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            acceptor.start();
            MqttLink.Settings settings = new MqttLink.Settings(List.of("tcp://127.0.0.1:" + silent.getLocalPort()),
                    protocol, null, null, new TlsFiles.Settings(null, null, null), Duration.ofHours(1), null);
            MqttLink link = new MqttLink(settings, new Topics("deadline-test", "d1"), payload -> { }, scheduler,
                    Clock.systemUTC());
            link.connectDeadline(Duration.ofMillis(700));
            try {
                link.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (accepted.size() < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertTrue(accepted.size() >= 2, "a second attempt after the first went unanswered: " + accepted.size()
                        + " connection(s); status: " + link.status());
                assertEquals(-1, closedByClient.get(0).get(10, TimeUnit.SECONDS), "the first connection was dropped");
                assertTrue(link.status().contains("did not answer MQTT's CONNECT"),
                        link.status());
            } finally {
                link.close();
                scheduler.shutdownNow();
                for (Socket s : accepted) {
                    s.close();
                }
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
