package io.berth.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/**
 * A Mosquitto of a test's own on a loopback port, without the shared broker's packet limit, for
 * what the shared one refuses to carry (a 100 MB retained message). Stopped and removed at close.
 */
final class PrivateBroker implements AutoCloseable {
    final String url;
    private final Path dir;
    private final Process process;

    PrivateBroker() throws Exception {
        int port = TestDevice.freePort();
        dir = Files.createTempDirectory("berth-broker");
        dir.toFile().setReadable(true, false);
        dir.toFile().setExecutable(true, false);
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, """
                # a test's own broker: no packet limit, anonymous, no persistence, loopback only
                per_listener_settings false
                allow_anonymous true
                persistence false
                listener %d 127.0.0.1
                log_dest stderr
                log_type error
                log_type warning
                """.formatted(port));
        conf.toFile().setReadable(true, false);
        Path log = dir.resolve("mosquitto.log");
        process = new ProcessBuilder("mosquitto", "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        url = "tcp://127.0.0.1:" + port;
        Await.until("the private broker on " + url + " to accept connections", () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return true;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new AssertionError("mosquitto ended: " + read(log));
                }
                return null;
            }
        }, Duration.ofSeconds(20), () -> read(log));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws Exception {
        try {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
