package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.plan.Planner;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Safe updates against the real engine and registry: the replaced container is kept until its
 * replacement is good, a bad revision goes back to the last good one, and stays back.
 */
class RollbackIT extends WithTestDevice {
    private static final Duration CONVERGE = Duration.ofSeconds(90);

    /**
     * The web service (serves the image's /www: "v1" or "v2") on a loopback port, with a volume;
     * {@code extra} adds keys to the service, {@code update} is the top-level update section.
     */
    private static String web(long revision, String name, String volume, int port, String image, String extra,
                              String update) {
        return """
                {"revision": %d,
                 "services": {"%s": {"image": "%s", "command": ["httpd", "-f", "-p", "80", "-h", "/www"],
                   "ports": ["127.0.0.1:%d:80"], "volumes": ["%s:/data"], "restart": "unless-stopped"%s}},
                 "volumes": {"%s": {}},
                 "update": %s}
                """.formatted(revision, name, image, port, volume, extra, volume, update);
    }

    private static final String FAST_TIMEOUT = "{\"healthTimeout\": \"8s\"}";
    /** A healthcheck that never passes: the replacement runs but is never healthy. */
    private static final String NEVER_HEALTHY = """
            , "healthcheck": {"test": ["CMD", "false"], "interval": "1s", "retries": 1}""";

    /** The web service of one test: its names, port and broker. */
    private record Web(String name, String volume, int port, TestBroker broker) {
        /** Publishes revision N of the web service on this image, with extra service keys and an update section. */
        void publish(long revision, String image, String extra, String update) throws Exception {
            broker.publishDesired(web(revision, name, volume, port, image, extra, update));
        }
    }

    /** Starts the agent and converges the web service on v1 as revision 1. */
    private Web webOnRevision1(String update) throws Exception {
        Web w = new Web(device.container("web"), device.volume("data"), TestDevice.freePort(), device.broker());
        device.startAgent();
        w.publish(1, ReconcileIT.IMAGE_V1, "", update);
        w.broker().awaitReported("revision 1", r -> TestBroker.converged(r, 1), CONVERGE);
        return w;
    }

    @Test
    void aReplacementThatIsNeverHealthyIsRolledBackAndNotRetried() throws Exception {
        Web w = webOnRevision1(FAST_TIMEOUT);
        String name = w.name();
        int port = w.port();
        TestBroker broker = w.broker();
        String v1Container = DockerCli.inspect(name, "{{.Id}}");
        DockerCli.ok("exec", name, "sh", "-c", "echo kept > /data/proof");

        w.publish(2, ReconcileIT.IMAGE_V2, NEVER_HEALTHY, FAST_TIMEOUT);
        Await.until("the replaced container kept as " + Planner.keptName(name),
                () -> DockerCli.inspect(Planner.keptName(name), "{{.Id}}"), Duration.ofSeconds(60), () -> "");
        JsonNode reported = broker.awaitReported("rolled back", r -> "rolled-back".equals(r.path("phase").asText()),
                CONVERGE);

        assertEquals(2, reported.path("revision").path("desired").asLong(), reported.toString());
        assertEquals(1, reported.path("revision").path("applied").asLong(), reported.toString());
        assertEquals(2, reported.path("rollback").path("revision").asLong(), reported.toString());
        assertTrue(reported.path("rollback").path("reason").asText().contains("healthy within 8 s"),
                reported.toString());
        assertEquals(ReconcileIT.IMAGE_V1, reported.path("services").path(name).path("image").asText());
        assertEquals(v1Container, DockerCli.inspect(name, "{{.Id}}"), "the kept container itself came back");
        assertNull(DockerCli.inspect(Planner.keptName(name), "{{.Id}}"), "nothing kept is left");
        assertEquals("v1", ReconcileIT.httpGet(port));
        assertEquals("kept", DockerCli.ok("exec", name, "cat", "/data/proof"), "the volume data is intact");
        assertTrue(broker.events.stream().anyMatch(e -> "rollback".equals(e.path("type").asText())
                && e.path("message").asText().contains("rolled back to revision 1")), broker.events.toString());

        // not retried: neither while running on, nor after a restart of the agent
        Thread.sleep(3000);
        String firstStart = reported.path("agent").path("startedAt").asText();
        device.stopAgent();
        device.startAgent();
        broker.awaitReported("rolled back after a restart", r -> "rolled-back".equals(r.path("phase").asText())
                && !firstStart.equals(r.path("agent").path("startedAt").asText()), CONVERGE);
        Thread.sleep(3000);
        assertEquals(v1Container, DockerCli.inspect(name, "{{.Id}}"), "revision 2 was not tried again");

        // a newer revision is applied
        w.publish(3, ReconcileIT.IMAGE_V2, "", FAST_TIMEOUT);
        JsonNode three = broker.awaitReported("revision 3", r -> TestBroker.converged(r, 3), CONVERGE);
        assertTrue(three.path("rollback").isNull(), three.toString());
        assertEquals("v2", ReconcileIT.httpGet(port));
    }

    @Test
    void aGoodReplacementEndsWithExactlyTheNewContainer() throws Exception {
        Web w = webOnRevision1("{}");
        w.publish(2, ReconcileIT.IMAGE_V2, "", "{}");
        w.broker().awaitReported("revision 2", r -> TestBroker.converged(r, 2), CONVERGE);
        assertNull(DockerCli.inspect(Planner.keptName(w.name()), "{{.Id}}"), "the kept container is gone at converged");
        TestBroker broker = w.broker();
        assertTrue(broker.events.stream().anyMatch(e -> e.path("message").asText().contains("kept it as")),
                broker.events.toString());
        assertEquals("v2", ReconcileIT.httpGet(w.port()));
        String ids = DockerCli.ok("ps", "-aq", "--filter", "label=berth.device=" + device.id);
        assertEquals(1, ids.lines().count(), "exactly one container: " + ids);
    }

    @Test
    void anImageThatDoesNotExistRollsBackWithoutStoppingTheRunningService() throws Exception {
        Web w = webOnRevision1("{}");
        String startedAt = DockerCli.inspect(w.name(), "{{.State.StartedAt}}");

        w.publish(2, "127.0.0.1:5000/demo/busybox:does-not-exist", "", "{}");
        JsonNode reported = w.broker().awaitReported("rolled back", r -> "rolled-back".equals(r.path("phase").asText()),
                CONVERGE);
        assertTrue(reported.path("rollback").path("reason").asText().contains("does-not-exist"), reported.toString());
        assertEquals(startedAt, DockerCli.inspect(w.name(), "{{.State.StartedAt}}"),
                "download-then-kill: the running container was never stopped");
        assertEquals("v1", ReconcileIT.httpGet(w.port()));
    }
}
