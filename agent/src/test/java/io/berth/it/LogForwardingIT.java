package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Container output forwarded to {@code {p}/{d}/logs/{service}} through the real engine and broker. */
class LogForwardingIT extends WithTestDevice {
    private static String service(String name, String script) {
        return """
                {"revision": %d, "services": {"%s": {"image": "%s", "command": ["sh", "-c", "%s"]}}}
                """.formatted(1, name, ReconcileIT.IMAGE_V1, script);
    }

    /** The lines of one stream received so far, in order of arrival. */
    private static List<String> lines(TestBroker broker, String service, String stream) {
        List<String> out = new ArrayList<>();
        for (JsonNode batch : broker.logs) {
            if (!service.equals(batch.path("service").asText())) {
                continue;
            }
            for (JsonNode line : batch.path("lines")) {
                if (stream.equals(line.path("stream").asText())) {
                    out.add(line.path("line").asText());
                }
            }
        }
        return out;
    }

    private static long dropped(TestBroker broker) {
        return broker.logs.stream().mapToLong(b -> b.path("dropped").asLong()).sum();
    }

    @Test
    void stdoutAndStderrArriveInOrderAndApart() throws Exception {
        String svc = device.container("chatty");
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired(service(svc,
                "i=0; while [ $i -lt 300 ]; do echo out $i; echo err $i >&2; i=$((i+1)); done; sleep 3600"));
        Await.until("300 lines on stdout and on stderr", () -> lines(broker, svc, "stdout").size() >= 300
                && lines(broker, svc, "stderr").size() >= 300, Duration.ofSeconds(60),
                () -> lines(broker, svc, "stdout").size() + " / " + lines(broker, svc, "stderr").size());
        List<String> out = lines(broker, svc, "stdout");
        List<String> err = lines(broker, svc, "stderr");
        for (int i = 0; i < 300; i++) {
            assertEquals("out " + i, out.get(i));
            assertEquals("err " + i, err.get(i));
        }
        assertEquals(300, out.size());
        assertEquals(0, dropped(broker));
        JsonNode batch = broker.logs.get(0);
        assertEquals(12, batch.path("container").asText().length());
        assertTrue(batch.path("lines").get(0).path("t").asText().endsWith("Z"), batch.toString());
    }

    @Test
    void anAgentRestartNeitherDuplicatesNorLosesLines() throws Exception {
        String svc = device.container("ticker");
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired(service(svc, "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.02; done"));
        Await.until("some ticks", () -> lines(broker, svc, "stdout").size() > 20, Duration.ofSeconds(60),
                () -> String.valueOf(lines(broker, svc, "stdout").size()));
        device.stopAgent();
        Thread.sleep(1500); // the container goes on printing while no agent runs
        device.startAgent();
        int seenBefore = lines(broker, svc, "stdout").size();
        Await.until("ticks after the restart", () -> lines(broker, svc, "stdout").size() > seenBefore + 100,
                Duration.ofSeconds(60), () -> String.valueOf(lines(broker, svc, "stdout").size()));

        List<String> ticks = lines(broker, svc, "stdout");
        TreeSet<Integer> numbers = new TreeSet<>();
        for (String tick : ticks) {
            assertTrue(numbers.add(Integer.parseInt(tick.substring(5))), "duplicate: " + tick);
        }
        assertEquals(0, numbers.first());
        assertEquals(numbers.last() + 1, numbers.size(), "no gaps across the restart");
        assertEquals(0, dropped(broker));
    }

    @Test
    void duringABrokerOutageEveryLineIsDeliveredOrCounted() throws Exception {
        String svc = device.container("outage");
        TestBroker broker = device.broker();
        try (LoopbackProxy proxy = new LoopbackProxy(1883)) {
            device.startAgent(proxy.url(), Map.of(
                    "BERTH_LOGS_BUFFER_BYTES", "4096", // small: the outage overflows it
                    "BERTH_LOGS_QOS", "1"));
            broker.publishDesired(service(svc,
                    "sleep 2; i=0; while [ $i -lt 2000 ]; do echo n $i; i=$((i+1)); sleep 0.002; done; sleep 3600"));
            Await.until("the first lines", () -> !lines(broker, svc, "stdout").isEmpty(), Duration.ofSeconds(60),
                    () -> "none yet");
            proxy.cut();
            // the container finishes printing while the broker is away: nothing new arrives to
            // wake the forwarder, it must retry on its own
            Await.until("the container to finish printing", () -> DockerCli.ok("logs", "--tail", "1", svc)
                    .contains("n 1999"), Duration.ofSeconds(60), () -> "still printing");
            Thread.sleep(2000);
            proxy.open();
            Await.until("all 2000 lines delivered or counted",
                    () -> lines(broker, svc, "stdout").size() + dropped(broker) >= 2000, Duration.ofSeconds(90),
                    () -> lines(broker, svc, "stdout").size() + " delivered, " + dropped(broker) + " dropped");
        }
        List<String> delivered = lines(broker, svc, "stdout");
        long dropped = dropped(broker);
        assertTrue(dropped > 0, "the small buffer overflowed during the outage");
        assertEquals(2000, delivered.size() + dropped, delivered.size() + " delivered + " + dropped + " dropped");
        TreeSet<Integer> numbers = new TreeSet<>();
        delivered.forEach(l -> assertTrue(numbers.add(Integer.parseInt(l.substring(2))), "duplicate " + l));
        assertEquals(1999, numbers.last(), "the newest lines are kept, the oldest dropped");
    }
}
