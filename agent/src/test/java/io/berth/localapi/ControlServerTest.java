package io.berth.localapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The control socket with a stand-in handler: protocol, limits, permissions; no agent, no engine. */
class ControlServerTest {
    private Path dir;
    private Path socket;
    private ScheduledExecutorService timer;
    private ControlServer server;
    private final Semaphore blocked = new Semaphore(0);
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("berth-sock");
        socket = dir.resolve("run/berth/berth.sock");
        timer = Executors.newSingleThreadScheduledExecutor();
        server = new ControlServer(socket, (request, reply) -> {
            switch (request.verb()) {
                case "echo" -> reply.ok(request.args());
                case "stream" -> {
                    for (int i = 0; i < 3; i++) {
                        reply.frame(Protocol.JSON.createObjectNode().put("line", "l" + i));
                    }
                }
                case "boom" -> throw new IllegalStateException("kaput");
                case "block" -> {
                    blocked.release();
                    release.await(10, TimeUnit.SECONDS);
                }
                default -> reply.error("unknown verb " + request.verb());
            }
        }, timer);
        server.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
        timer.shutdownNow();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void createsItsDirectoryAndIsReadableByOwnerAndGroupOnly() throws Exception {
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
    }

    @Test
    void answersRequestsFramesAndErrors() throws Exception {
        ControlClient client = new ControlClient(socket);
        JsonNode args = Protocol.JSON.createObjectNode().put("service", "web");
        assertEquals(args, client.call("echo", args));
        List<String> lines = new ArrayList<>();
        assertEquals(null, client.stream("stream", null, f -> lines.add(f.path("line").asText())));
        assertEquals(List.of("l0", "l1", "l2"), lines);
        assertEquals("unknown verb nope", assertThrows(ControlClient.RefusedException.class,
                () -> client.call("nope", null)).getMessage());
        assertTrue(assertThrows(ControlClient.RefusedException.class, () -> client.call("boom", null)).getMessage()
                .contains("kaput"));
    }

    @Test
    void manyClientsAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<JsonNode>> answers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int n = i;
                answers.add(pool.submit(() -> {
                    for (int attempt = 0; ; attempt++) {
                        try {
                            return new ControlClient(socket).call("echo", Protocol.JSON.createObjectNode().put("n", n));
                        } catch (ControlClient.RefusedException busy) {
                            if (attempt > 50) {
                                throw busy;
                            }
                            Thread.sleep(20); // told it is busy: try again, as a user would
                        }
                    }
                }));
            }
            for (int i = 0; i < answers.size(); i++) {
                assertEquals(i, answers.get(i).get().path("n").asInt());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void garbageAndOversizedRequestsGetAnErrorAndTheServerKeepsServing() throws Exception {
        assertTrue(raw("this is not json\n".getBytes(StandardCharsets.UTF_8)).contains("not a request"));
        assertTrue(raw("[1,2]\n".getBytes(StandardCharsets.UTF_8)).contains("not a request"));
        byte[] huge = new byte[Protocol.MAX_REQUEST_BYTES + 10];
        java.util.Arrays.fill(huge, (byte) 'x');
        assertTrue(raw(huge).contains("larger than"));
        assertEquals("ok", new ControlClient(socket).call("echo", Protocol.JSON.createObjectNode().put("a", "ok"))
                .path("a").asText());
    }

    @Test
    void clientsTogetherCannotMakeTheAgentHoldMoreThanItsReadingBudget() throws Exception {
        // two clients' large requests are being served (their handler waits); a third is over the budget
        String pad = " ".repeat(Protocol.MAX_REQUEST_BYTES - 100);
        byte[] large = ("{\"verb\":\"block\",\"args\":{\"pad\":\"" + pad + "\"}}\n").getBytes(StandardCharsets.UTF_8);
        List<SocketChannel> holding = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                channel.connect(UnixDomainSocketAddress.of(socket));
                holding.add(channel);
                Channels.newOutputStream(channel).write(large);
            }
            assertTrue(blocked.tryAcquire(2, 10, TimeUnit.SECONDS), "both large requests reach the handler");
            String third = raw(("{\"verb\":\"echo\",\"args\":{\"pad\":\"" + pad + "\"}}\n")
                    .getBytes(StandardCharsets.UTF_8));
            assertTrue(third != null && third.contains("reading other large requests: try again"), third);
        } finally {
            release.countDown();
            for (SocketChannel channel : holding) {
                channel.close();
            }
        }
        // their budget is given back once they are served
        byte[] alone = ("{\"verb\":\"echo\",\"args\":{\"pad\":\"" + pad + "\"}}\n").getBytes(StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + 10_000_000_000L;
        String answer = raw(alone);
        while (answer != null && answer.contains("try again") && System.nanoTime() < deadline) {
            Thread.sleep(50);
            answer = raw(alone);
        }
        assertTrue(answer != null && answer.contains("\"ok\":true"), "a large request alone is served: "
                + (answer == null ? null : answer.substring(0, Math.min(200, answer.length()))));
    }

    @Test
    void aStaleSocketFileIsReplacedButALiveAgentIsNot() throws Exception {
        ControlServer second = new ControlServer(socket, (r, reply) -> reply.ok(null), timer);
        assertTrue(assertThrows(java.io.IOException.class, second::start).getMessage().contains("another agent"));
        server.close();
        Files.createFile(socket); // what a crashed agent leaves behind
        server = new ControlServer(socket, (r, reply) -> reply.ok(null), timer);
        server.start();
        assertEquals(null, new ControlClient(socket).call("anything", null));
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void aClientThatHangsIsCutOffAndOthersAreServedMeanwhile() throws Exception {
        ControlServer strict = new ControlServer(dir.resolve("strict.sock"), (r, reply) -> reply.ok(null), timer,
                java.time.Duration.ofMillis(300));
        strict.start();
        try (SocketChannel hung = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            hung.connect(UnixDomainSocketAddress.of(dir.resolve("strict.sock")));
            hung.write(java.nio.ByteBuffer.wrap("{\"verb\":".getBytes(StandardCharsets.UTF_8))); // and nothing more
            assertEquals(null, new ControlClient(dir.resolve("strict.sock")).call("status", null));
            // the server closes the hung connection: the read ends instead of blocking forever
            assertEquals(-1, hung.read(java.nio.ByteBuffer.allocate(16)));
        } finally {
            strict.close();
        }
    }

    @Test
    void noAgentIsUnreachable() {
        ControlClient client = new ControlClient(dir.resolve("none.sock"));
        assertTrue(assertThrows(ControlClient.UnreachableException.class, () -> client.call("status", null))
                .getMessage().contains("not running"));
        assertFalse(Files.exists(dir.resolve("none.sock")));
    }

    private String raw(byte[] request) throws Exception {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            OutputStream out = Channels.newOutputStream(channel);
            try {
                out.write(request);
                out.flush();
            } catch (java.io.IOException cutOff) {
                // the server stopped reading at its limit; its answer is still there
            }
            return new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8))
                    .readLine();
        }
    }
}
