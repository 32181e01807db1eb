package io.berth.engine.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Time limits of engine requests against a fake engine that answers late, slowly, or not at all. */
@Timeout(60) // a limit that does not hold must fail the test, not hang the build
class EngineHttpTimeLimitsTest {
    @TempDir
    Path dir;

    /** What the fake engine does on its one connection, after it has read the request's head. */
    interface Script {
        void run(SocketChannel c) throws IOException, InterruptedException;
    }

    /** Serves one connection with {@code script}; the latch counts down when the client closed it. */
    private CountDownLatch serve(Path socket, Script script) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        CountDownLatch closed = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try (server; SocketChannel c = server.accept()) {
                StringBuilder head = new StringBuilder();
                ByteBuffer one = ByteBuffer.allocate(1);
                while (head.indexOf("\r\n\r\n") < 0 && c.read(one) > 0) {
                    head.append((char) one.get(0));
                    one.clear();
                }
                script.run(c);
                while (c.read(ByteBuffer.allocate(64)) >= 0) {
                    // until the client hangs up
                }
                closed.countDown();
            } catch (IOException | InterruptedException e) {
                closed.countDown();
            }
        });
        t.setDaemon(true);
        t.start();
        return closed;
    }

    private static void write(SocketChannel c, String text) throws IOException {
        EngineChannels.writeFully(c, ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
    }

    private static String chunk(String text) {
        return Integer.toHexString(text.length()) + "\r\n" + text + "\r\n";
    }

    @Test
    void aChangeWhoseHeadNeverComesIsGivenUpAtItsLimit() throws Exception {
        Path socket = dir.resolve("e.sock");
        // the engine sends a change's head only when it is done: here never
        CountDownLatch closed = serve(socket, c -> { });
        IOException e = assertThrows(IOException.class,
                () -> EngineHttp.of(socket).send("POST", "/containers/x/stop", null, 300));
        assertEquals("the engine at unix://" + socket + " did not answer POST /containers/x/stop within 300 ms",
                e.getMessage());
        assertTrue(closed.await(10, TimeUnit.SECONDS), "the connection was closed");
    }

    @Test
    void aChangeThatAnswersWithinItsLimitIsNotCut() throws Exception {
        Path socket = dir.resolve("e.sock");
        serve(socket, c -> {
            Thread.sleep(300);
            write(c, "HTTP/1.1 204 No Content\r\n\r\n");
        });
        assertEquals(null, EngineHttp.of(socket).send("POST", "/containers/x/stop", null, 30_000));
    }

    @Test
    void aStreamMayRunLongerThanItsLimitWhileTheEngineKeepsTalking() throws Exception {
        Path socket = dir.resolve("e.sock");
        int messages = 12;
        serve(socket, c -> {
            write(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < messages; i++) {
                write(c, chunk("{\"status\":\"Downloading\",\"n\":" + i + "}\r\n"));
                Thread.sleep(100);
            }
            write(c, chunk("{\"status\":\"Download complete\"}\r\n") + "0\r\n\r\n");
        });
        List<String> seen = new ArrayList<>();
        // 1.3 s of talk with at most 100 ms between messages, against a silence limit of 700 ms
        EngineHttp.of(socket).stream("POST", "/images/create?fromImage=a", Map.of(), 700,
                o -> seen.add(o.path("status").asText()));
        assertEquals(messages + 1, seen.size());
        assertEquals("Download complete", seen.get(messages));
    }

    @Test
    void aStreamThatFallsSilentIsGivenUp() throws Exception {
        Path socket = dir.resolve("e.sock");
        CountDownLatch closed = serve(socket, c -> {
            write(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            write(c, chunk("{\"status\":\"Downloading\"}\r\n"));
        });
        List<String> seen = new ArrayList<>();
        EngineHttp.SilenceException e = assertThrows(EngineHttp.SilenceException.class,
                () -> EngineHttp.of(socket).stream("POST", "/images/create?fromImage=a", Map.of(), 300,
                        o -> seen.add(o.path("status").asText())));
        assertEquals(List.of("Downloading"), seen);
        assertEquals("the engine at unix://" + socket + " said nothing for 300 ms while answering POST "
                + "/images/create?fromImage=a", e.getMessage());
        assertTrue(closed.await(10, TimeUnit.SECONDS), "the connection was closed");
    }
}
