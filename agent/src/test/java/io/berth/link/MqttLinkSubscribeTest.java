package io.berth.link;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A broker that takes the connection but refuses the subscription in its SUBACK (0x80: a NATS
 * node that could not create the subscription's JetStream consumer in time): Paho's asynchronous
 * client calls that a success, and the device would hear no document until its next connection.
 * The link asks again while the connection lasts.
 */
class MqttLinkSubscribeTest {

    @Test
    void aRefusedSubscriptionIsAskedForAgain() throws Exception {
        AtomicInteger subscribes = new AtomicInteger();
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread broker = new Thread(() -> serve(server, subscribes));
            broker.setDaemon(true);
            broker.start();
            MqttLink.Settings settings = new MqttLink.Settings(List.of("tcp://127.0.0.1:" + server.getLocalPort()),
                    "3.1.1", null, null, new TlsFiles.Settings(null, null, null), Duration.ofHours(1), null);
            MqttLink link = new MqttLink(settings, new Topics("subscribe-test", "d1"), payload -> { }, scheduler,
                    Clock.systemUTC());
            try {
                link.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (subscribes.get() < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertTrue(subscribes.get() >= 2, "asked again on the same connection: " + subscribes.get()
                        + " SUBSCRIBE(s); status: " + link.status());
                assertTrue(link.connected(), "the connection itself stays");
            } finally {
                link.close();
                scheduler.shutdownNow();
            }
        }
    }

    /** Just enough of an MQTT 3.1.1 broker for one client: CONNACK, SUBACK 0x80, PUBACK, PINGRESP. */
    private static void serve(ServerSocket server, AtomicInteger subscribes) {
        try (Socket s = server.accept(); DataInputStream in = new DataInputStream(s.getInputStream())) {
            OutputStream out = s.getOutputStream();
            while (true) {
                int header = in.readUnsignedByte();
                int length = 0;
                for (int shift = 0, b = 0x80; (b & 0x80) != 0; shift += 7) {
                    b = in.readUnsignedByte();
                    length |= (b & 0x7f) << shift;
                }
                byte[] body = in.readNBytes(length);
                int type = header >> 4;
                if (type == 1) { // CONNECT
                    out.write(new byte[] {0x20, 2, 0, 0});
                } else if (type == 8) { // SUBSCRIBE: one refusal per filter
                    subscribes.incrementAndGet();
                    int filters = 0;
                    for (int i = 2; i < body.length; ) {
                        int topicLength = ((body[i] & 0xff) << 8) | (body[i + 1] & 0xff);
                        i += 2 + topicLength + 1;
                        filters++;
                    }
                    byte[] suback = new byte[4 + filters];
                    suback[0] = (byte) 0x90;
                    suback[1] = (byte) (2 + filters);
                    suback[2] = body[0];
                    suback[3] = body[1];
                    java.util.Arrays.fill(suback, 4, suback.length, (byte) 0x80);
                    out.write(suback);
                } else if (type == 3 && ((header >> 1) & 3) > 0) { // PUBLISH at QoS 1: PUBACK its id
                    int topicLength = ((body[0] & 0xff) << 8) | (body[1] & 0xff);
                    out.write(new byte[] {0x40, 2, body[2 + topicLength], body[3 + topicLength]});
                } else if (type == 12) { // PINGREQ
                    out.write(new byte[] {(byte) 0xd0, 0});
                } else if (type == 14) { // DISCONNECT
                    return;
                }
                out.flush();
            }
        } catch (IOException e) {
            // the client went away
        }
    }
}
