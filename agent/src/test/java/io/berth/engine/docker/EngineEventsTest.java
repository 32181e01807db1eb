package io.berth.engine.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.engine.EngineEvent;
import io.berth.model.Health;
import io.berth.engine.http.EngineHttp;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineEventsTest {
    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** An event as dockerd 20.10 sends it on {@code GET /events}. */
    static JsonNode event(String id, String action, Map<String, String> more) {
        Map<String, String> attributes = new HashMap<>(Map.of("berth.service", "db", "berth.revision", "4"));
        attributes.putAll(more);
        ObjectNode event = JSON.createObjectNode().put("status", action).put("id", id).put("Type", "container")
                .put("Action", action).put("scope", "local").put("time", 1764626400L);
        ObjectNode actor = event.putObject("Actor").put("ID", id);
        attributes.forEach(actor.putObject("Attributes")::put);
        return event;
    }

    @Test
    void aDeathCarriesItsExitCodeAndWhetherMemoryRanOut() {
        EngineEvents events = new EngineEvents();
        EngineEvent plain = events.read(event("c1", "die", Map.of("exitCode", "3")));
        assertEquals(EngineEvent.Kind.DIED, plain.kind());
        assertEquals(3, plain.exitCode());
        assertFalse(plain.oom());
        assertEquals("db", plain.service());
        assertEquals(4, plain.revision());

        assertEquals(EngineEvent.Kind.OTHER, events.read(event("c2", "oom", Map.of())).kind());
        EngineEvent killed = events.read(event("c2", "die", Map.of("exitCode", "137")));
        assertTrue(killed.oom(), "the oom before its die");
        assertFalse(events.read(event("c2", "die", Map.of("exitCode", "0"))).oom(), "only that death");
    }

    @Test
    void aKillTheEngineSentIsNotLookedAtAgainForAnOom() {
        EngineEvents events = new EngineEvents();
        assertEquals(11, events.looks(events.read(event("c1", "die", Map.of("exitCode", "137")))),
                "a 137 nobody asked for may be the kernel's: its OOM flag can come late");
        events.read(event("c2", "kill", Map.of("signal", "15")));
        events.read(event("c2", "kill", Map.of("signal", "9")));
        assertEquals(1, events.looks(events.read(event("c2", "die", Map.of("exitCode", "137")))),
                "docker stop past its grace: the engine's own SIGKILL");
        assertEquals(11, events.looks(events.read(event("c2", "die", Map.of("exitCode", "137")))), "that kill only");
        events.read(event("c3", "kill", Map.of("signal", "15")));
        assertEquals(11, events.looks(events.read(event("c3", "die", Map.of("exitCode", "137")))),
                "a SIGTERM from the engine does not make a 137");
        assertEquals(1, events.looks(events.read(event("c4", "die", Map.of("exitCode", "0")))));
    }

    @Test
    void everyHealthStatusIsAHealthEvent() {
        EngineEvents events = new EngineEvents();
        for (Health health : new Health[] {Health.HEALTHY, Health.UNHEALTHY, Health.STARTING}) {
            EngineEvent e = events.read(event("c1", "health_status: " + health.keyword(), Map.of()));
            assertEquals(EngineEvent.Kind.HEALTH, e.kind());
            assertEquals(health, e.health());
        }
        assertEquals(EngineEvent.Kind.OTHER, events.read(event("c1", "start", Map.of())).kind());
    }

    @Test
    void theIdComesFromTheActorWhenTheEventHasNone() throws Exception {
        JsonNode event = JSON.readTree("{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"c9\","
                + "\"Attributes\":{\"exitCode\":\"1\",\"berth.service\":\"web\"}}}");
        EngineEvent read = new EngineEvents().read(event);
        assertEquals("c9", read.containerId());
        assertEquals("web", read.service());
        assertEquals(1, read.exitCode());
        assertEquals(0, read.revision());
    }

    @Test
    void theStreamAsksForContainersWithEveryOwnershipLabel() {
        String path = EngineEvents.path(new java.util.TreeMap<>(Map.of("berth.managed", "true", "berth.device", "d1")));
        assertEquals("/events?filters=" + java.net.URLEncoder.encode(
                "{\"type\":[\"container\"],\"label\":[\"berth.device=d1\",\"berth.managed=true\"]}",
                java.nio.charset.StandardCharsets.UTF_8), path);
    }

    /**
     * A fake engine on a unix socket: answers one request with a chunked 200 whose chunks are
     * {@code events}, one event each, then closes when {@code end} is counted down.
     */
    private static LinkedBlockingQueue<String> serveEvents(Path socket, List<String> events, CountDownLatch end)
            throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        LinkedBlockingQueue<String> requests = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (server; SocketChannel c = server.accept()) {
                ByteBuffer head = ByteBuffer.allocate(4096);
                while (!new String(head.array(), 0, head.position(), StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    if (!head.hasRemaining() || c.read(head) < 0) {
                        return; // the watch went away, or a head no watch sends: the test fails on what it misses
                    }
                }
                requests.add(new String(head.array(), 0, head.position(), StandardCharsets.ISO_8859_1));
                StringBuilder out = new StringBuilder("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                for (String e : events) {
                    String line = e + "\n";
                    out.append(Integer.toHexString(line.length())).append("\r\n").append(line).append("\r\n");
                }
                c.write(ByteBuffer.wrap(out.toString().getBytes(StandardCharsets.ISO_8859_1)));
                end.await(10, TimeUnit.SECONDS);
                c.write(ByteBuffer.wrap("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
            } catch (IOException | InterruptedException ignored) {
                // the test sees what it needs
            }
        });
        t.setDaemon(true);
        t.start();
        return requests;
    }

    @Test
    void theStreamDeliversEachEventThenSaysWhenTheEngineEndsIt() throws Exception {
        Path socket = dir.resolve("e.sock");
        CountDownLatch end = new CountDownLatch(1);
        var requests = serveEvents(socket, List.of(event("c1", "start", Map.of()).toString(),
                event("c1", "health_status: healthy", Map.of()).toString()), end);
        LinkedBlockingQueue<EngineEvent> seen = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<Throwable> broken = new LinkedBlockingQueue<>();
        try (AutoCloseable watch = EngineEvents.watch(EngineHttp.of(socket), Map.of("berth.device", "d1"), seen::add,
                broken::add)) {
            assertEquals("start", seen.poll(10, TimeUnit.SECONDS).action());
            assertEquals(Health.HEALTHY, seen.poll(10, TimeUnit.SECONDS).health());
            assertTrue(requests.poll(10, TimeUnit.SECONDS).startsWith("GET /events?filters="));
            end.countDown();
            assertEquals("the engine closed its event stream", broken.poll(10, TimeUnit.SECONDS).getMessage());
        }
    }

    @Test
    void closingTheWatchIsNotABreak() throws Exception {
        Path socket = dir.resolve("e.sock");
        CountDownLatch end = new CountDownLatch(1);
        serveEvents(socket, List.of(event("c1", "start", Map.of()).toString()), end);
        LinkedBlockingQueue<EngineEvent> seen = new LinkedBlockingQueue<>();
        List<Throwable> broken = new CopyOnWriteArrayList<>();
        CountDownLatch ended = new CountDownLatch(1);
        AutoCloseable watch = EngineEvents.watch(EngineHttp.of(socket), Map.of(), seen::add, e -> {
            broken.add(e);
            ended.countDown();
        });
        assertEquals("start", seen.poll(10, TimeUnit.SECONDS).action());
        watch.close();
        end.countDown();
        assertFalse(ended.await(1, TimeUnit.SECONDS), "closed by its owner: " + broken);
    }

    @Test
    void aDeathWithoutAnOomEventReadsTheContainersOwnOomFlag() throws Exception {
        LinkedBlockingQueue<EngineEvent> seen = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<Throwable> broken = new LinkedBlockingQueue<>();
        try (FakeEngine engine = FakeEngine.start(dir.resolve("e.sock"))
                .answer("GET", "/events", 200, event("c1", "die", Map.of("exitCode", "137")) + "\n"
                        + event("c2", "die", Map.of("exitCode", "1")) + "\n")
                // dockerd 20.10's inspect of a container the kernel killed for memory, and of another
                .answer("GET", "/containers/c1/json", 200, "{\"Id\":\"c1\",\"State\":{\"Status\":\"exited\","
                        + "\"Running\":false,\"OOMKilled\":true,\"Dead\":false,\"ExitCode\":137}}")
                .answer("GET", "/containers/c2/json", 200, "{\"Id\":\"c2\",\"State\":{\"Status\":\"exited\","
                        + "\"Running\":false,\"OOMKilled\":false,\"Dead\":false,\"ExitCode\":1}}");
                AutoCloseable watch = EngineEvents.watch(engine.http(), Map.of(), seen::add, broken::add)) {
            EngineEvent c1 = seen.poll(10, TimeUnit.SECONDS);
            assertEquals("c1", c1.containerId());
            assertTrue(c1.oom(), "State.OOMKilled says so");
            EngineEvent c2 = seen.poll(10, TimeUnit.SECONDS);
            assertEquals("c2", c2.containerId());
            assertFalse(c2.oom());
            assertEquals("the engine closed its event stream", broken.poll(10, TimeUnit.SECONDS).getMessage());
            assertEquals(List.of("/containers/c1/json", "/containers/c2/json"), engine.requests().stream()
                    .map(FakeEngine.Request::path).filter(p -> p.startsWith("/containers/")).toList());
        }
    }

    @Test
    void anEngineThatIsNotThereBreaksTheStream() throws Exception {
        LinkedBlockingQueue<Throwable> broken = new LinkedBlockingQueue<>();
        try (AutoCloseable watch = EngineEvents.watch(EngineHttp.of(dir.resolve("none.sock")), Map.of(), e -> { },
                broken::add)) {
            assertTrue(broken.poll(10, TimeUnit.SECONDS).getMessage().startsWith("cannot reach the engine"));
        }
    }
}
