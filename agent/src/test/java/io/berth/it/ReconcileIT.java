package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.agent.Agent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The walking skeleton against the real engine, Mosquitto and registry that
 * {@code provisioning/dev-services up} starts.
 */
class ReconcileIT extends WithTestDevice {
    static final String IMAGE_V1 = "127.0.0.1:5000/demo/busybox:1";
    static final String IMAGE_V2 = "127.0.0.1:5000/demo/busybox:2";
    static final Duration CONVERGE = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** A document with one web service on a published loopback port and a named volume. */
    private String webDocument(long revision, String service, String volume, String image, int port) {
        return """
                {"revision": %d,
                 "services": {"%s": {"image": "%s",
                   "command": ["httpd", "-f", "-p", "80", "-h", "/www"],
                   "ports": ["127.0.0.1:%d:80"],
                   "volumes": ["%s:/data"],
                   "environment": {"MODE": "test"},
                   "restart": "unless-stopped"}},
                 "volumes": {"%s": {}}}
                """.formatted(revision, service, image, port, volume, volume);
    }

    /** The web service with its volume on a free port, published as revision 1 and converged. */
    private record Web(String name, String volume, int port, TestBroker broker) {}

    private Web webConvergedOnRevision1() throws Exception {
        Web w = new Web(device.container("web"), device.volume("data"), TestDevice.freePort(), device.broker());
        device.startAgent();
        w.broker().publishDesired(webDocument(1, w.name(), w.volume(), IMAGE_V1, w.port()));
        w.broker().awaitReported("revision 1", r -> TestBroker.converged(r, 1), CONVERGE);
        return w;
    }

    static String httpGet(int port) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body().strip() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private String awaitHttp(int port, String expected) throws InterruptedException {
        return Await.until("http://127.0.0.1:" + port + "/ to answer " + expected,
                () -> expected.equals(httpGet(port)) ? expected : null, Duration.ofSeconds(30),
                () -> "last answer: " + httpGet(port));
    }

    @Test
    void publishedDocumentRunsTheServiceAndReportsConverged() throws Exception {
        String web = device.container("web");
        String data = device.volume("data");
        int port = TestDevice.freePort();
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired(webDocument(1, web, data, IMAGE_V1, port));

        JsonNode reported = broker.awaitReported("converged on revision 1", r -> TestBroker.converged(r, 1), CONVERGE);
        awaitHttp(port, "v1");

        JsonNode service = reported.path("services").path(web);
        assertEquals("running", service.path("state").asText(), reported.toString());
        assertEquals(IMAGE_V1, service.path("image").asText());
        assertTrue(service.path("imageId").asText().startsWith("sha256:"));
        assertEquals("present", reported.path("volumes").path(data).path("state").asText());
        assertEquals(device.id, reported.path("device").asText());
        assertTrue(reported.path("rejected").isNull());
        assertEquals("1.41", reported.path("engine").path("apiVersion").asText());
        assertTrue(broker.latest("online").path("online").asBoolean(), "online announced");

        // §8: labels on what the agent created, the container named after the service
        assertEquals("true", DockerCli.inspect(web, "{{index .Config.Labels \"berth.managed\"}}"));
        assertEquals(web, DockerCli.inspect(web, "{{index .Config.Labels \"berth.service\"}}"));
        assertEquals(device.id, DockerCli.inspect(web, "{{index .Config.Labels \"berth.device\"}}"));
        assertEquals("1", DockerCli.inspect(web, "{{index .Config.Labels \"berth.revision\"}}"));
        assertEquals(64, DockerCli.inspect(web, "{{index .Config.Labels \"berth.hash\"}}").length());
        assertEquals("true", DockerCli.inspect(data, "{{index .Labels \"berth.managed\"}}"));
        assertEquals("unless-stopped", DockerCli.inspect(web, "{{.HostConfig.RestartPolicy.Name}}"));
        assertTrue(DockerCli.inspect(web, "{{json .Config.Env}}").contains("MODE=test"));
        Await.until("a converged event", () -> broker.events.stream().anyMatch(e -> "converged".equals(
                e.path("type").asText())) ? true : null, CONVERGE, () -> "events: " + broker.events);
    }

    @Test
    void newImageReplacesTheContainerAndTheVolumeKeepsItsData() throws Exception {
        Web w = webConvergedOnRevision1();
        String web = w.name();
        String data = w.volume();
        int port = w.port();
        TestBroker broker = w.broker();
        awaitHttp(port, "v1");
        String firstId = DockerCli.inspect(web, "{{.Id}}");
        DockerCli.ok("exec", web, "sh", "-c", "echo kept > /data/file");

        broker.publishDesired(webDocument(2, web, data, IMAGE_V2, port));
        JsonNode reported = broker.awaitReported("revision 2", r -> TestBroker.converged(r, 2), CONVERGE);
        awaitHttp(port, "v2");

        String secondId = DockerCli.inspect(web, "{{.Id}}");
        assertNotNull(secondId);
        assertTrue(!firstId.equals(secondId), "the container was replaced");
        assertEquals("kept", DockerCli.ok("exec", web, "cat", "/data/file"));
        assertEquals(IMAGE_V2, reported.path("services").path(web).path("image").asText());
        assertEquals("2", DockerCli.inspect(web, "{{index .Config.Labels \"berth.revision\"}}"));
    }

    @Test
    void theSameDocumentAgainRecreatesNothingAndALowerRevisionIsRejected() throws Exception {
        String web = device.container("web");
        String data = device.volume("data");
        int port = TestDevice.freePort();
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired(webDocument(5, web, data, IMAGE_V1, port));
        broker.awaitReported("revision 5", r -> TestBroker.converged(r, 5), CONVERGE);
        String id = DockerCli.inspect(web, "{{.Id}}");
        String startedAt = DockerCli.inspect(web, "{{.State.StartedAt}}");

        // the retained document delivered again, as on every reconnect: restart the agent, which
        // gets it on subscribing, and publish it once more
        device.restartAgentAndAwaitReport("converged on revision 5", r -> TestBroker.converged(r, 5));
        broker.publishDesired(webDocument(5, web, data, IMAGE_V1, port));

        // a lower revision, with other content: rejected, nothing changes. Its rejection also shows
        // that the agent has taken the revision 5 published before it (one topic keeps its order).
        broker.publishDesired(webDocument(4, web, data, IMAGE_V2, port));
        JsonNode reported = broker.awaitReported("the rejection of revision 4",
                r -> r.path("rejected").path("revision").asLong() == 4, CONVERGE);
        assertEquals(id, DockerCli.inspect(web, "{{.Id}}"), "not recreated");
        assertEquals(startedAt, DockerCli.inspect(web, "{{.State.StartedAt}}"), "not restarted");
        assertTrue(reported.path("rejected").path("reason").asText().contains("lower"), reported.toString());
        assertEquals(5, reported.path("revision").path("applied").asLong());
        // the same revision with other content: rejected too
        broker.publishDesired(webDocument(5, web, data, IMAGE_V2, port));
        reported = broker.awaitReported("the rejection of the changed revision 5",
                r -> r.path("rejected").path("revision").asLong() == 5, CONVERGE);
        assertTrue(reported.path("rejected").path("reason").asText().contains("already accepted"), reported.toString());
        assertEquals(id, DockerCli.inspect(web, "{{.Id}}"), "nothing changed");
        assertEquals("v1", httpGet(port));
    }

    @Test
    void invalidDocumentsAreRejectedWithPathsAndTheAgentKeepsRunning() throws Exception {
        String web = device.container("web");
        String data = device.volume("data");
        int port = TestDevice.freePort();
        TestBroker broker = device.broker();
        device.startAgent();

        broker.publishDesired("{not json");
        broker.awaitReported("the rejection of what is not JSON",
                r -> r.path("rejected").path("reason").asText().contains("not valid"), CONVERGE);
        broker.publishDesired("""
                {"revision": 3, "services": {"%s": {"image": "%s", "ports": ["127.0.0.1:99999:80"],
                 "healthcheck": {"test": ["CMD", "true"], "interval": "soon"}, "bogus": 1}}}
                """.formatted(web, IMAGE_V1));
        JsonNode reported = broker.awaitReported("the rejection of revision 3",
                r -> r.path("rejected").path("revision").asLong() == 3, CONVERGE);
        JsonNode errors = reported.path("rejected").path("errors");
        assertEquals(3, errors.size(), errors.toString());
        assertTrue(errors.toString().contains("services." + web + ".ports[0]"), errors.toString());
        assertTrue(errors.toString().contains("services." + web + ".healthcheck"), errors.toString());
        assertTrue(errors.toString().contains("services." + web + ".bogus"), errors.toString());
        assertNull(DockerCli.inspect(web, "{{.Id}}"), "nothing was created");

        // the agent still works
        broker.publishDesired(webDocument(4, web, data, IMAGE_V1, port));
        reported = broker.awaitReported("revision 4", r -> TestBroker.converged(r, 4), CONVERGE);
        assertTrue(reported.path("rejected").isNull(), "an accepted revision clears the rejection");
        awaitHttp(port, "v1");
    }

    @Test
    void restartedWithoutBrokerTheAgentConvergesFromItsStateDir() throws Exception {
        Web w = webConvergedOnRevision1();
        String web = w.name();
        String data = w.volume();
        int port = w.port();
        TestBroker broker = w.broker();
        device.stopAgent();

        // a reboot took the container; the broker is out of reach (nothing listens on that port)
        DockerCli.ok("rm", "-f", web);
        int deadPort = TestDevice.freePort();
        Agent offline = device.startAgent("tcp://127.0.0.1:" + deadPort);
        awaitHttp(port, "v1");
        JsonNode report = Await.until("the offline agent to report converged", () -> {
            try {
                JsonNode r = JSON.readTree(offline.latestReport());
                return TestBroker.converged(r, 1) ? r : null;
            } catch (IOException e) {
                return null;
            }
        }, CONVERGE, offline::latestReport);
        assertEquals("running", report.path("services").path(web).path("state").asText());
    }

    @Test
    void aRemovedServiceLosesItsContainerButItsVolumeStaysAsAnOrphan() throws Exception {
        String web = device.container("web");
        String data = device.volume("data");
        String other = device.container("other");
        int port = TestDevice.freePort();
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired(webDocument(1, web, data, IMAGE_V1, port));
        broker.awaitReported("revision 1", r -> TestBroker.converged(r, 1), CONVERGE);
        DockerCli.ok("exec", web, "sh", "-c", "echo precious > /data/file");

        broker.publishDesired("""
                {"revision": 2, "services": {"%s": {"image": "%s", "command": ["sleep", "3600"]}}}
                """.formatted(other, IMAGE_V1));
        JsonNode reported = broker.awaitReported("revision 2", r -> TestBroker.converged(r, 2), CONVERGE);

        assertNull(DockerCli.inspect(web, "{{.Id}}"), "the removed service's container is gone");
        assertEquals("true", DockerCli.inspect(data, "{{index .Labels \"berth.managed\"}}"), "the volume stays");
        assertEquals("[\"" + data + "\"]", reported.path("orphans").path("volumes").toString());
        assertTrue(reported.path("services").has(other));
        String content = DockerCli.ok("run", "--rm", "-v", data + ":/data", IMAGE_V1, "cat", "/data/file");
        assertEquals("precious", content);
    }

    @Test
    void anUnmanagedContainerWithAServicesNameIsLeftAloneAndReported() throws Exception {
        String web = device.container("web");
        String data = device.volume("data");
        int port = TestDevice.freePort();
        String squatterId = DockerCli.ok("run", "-d", "--name", web, IMAGE_V1, "sleep", "3600");
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired(webDocument(1, web, data, IMAGE_V1, port));

        JsonNode reported = broker.awaitReported("a degraded report naming the clash",
                r -> r.path("revision").path("applied").asLong() == 1
                        && r.path("services").path(web).path("error").isTextual(), CONVERGE);
        assertEquals("degraded", reported.path("phase").asText());
        JsonNode service = reported.path("services").path(web);
        assertEquals("failed", service.path("state").asText());
        assertTrue(service.path("error").asText().contains("not managed by Berth"), service.toString());
        // and after another agent's full pass
        device.restartAgentAndAwaitReport("the clash again", r -> r.path("services").path(web).path("error").isTextual());
        assertEquals(squatterId, DockerCli.inspect(web, "{{.Id}}"), "the unmanaged container is untouched");
        assertEquals("true", DockerCli.inspect(web, "{{.State.Running}}"));
        assertEquals("", DockerCli.inspect(web, "{{index .Config.Labels \"berth.managed\"}}"));
    }

    @Test
    void anotherDevicesContainerWithTheSameNameIsNotTouched() throws Exception {
        String web = device.container("web");
        String data = device.volume("data");
        String foreignId = DockerCli.ok("run", "-d", "--name", web, "--label", "berth.managed=true",
                "--label", "berth.device=other-" + device.id, "--label", "berth.service=" + web, IMAGE_V1,
                "sleep", "3600");
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired(webDocument(1, web, data, IMAGE_V1, TestDevice.freePort()));

        JsonNode reported = broker.awaitReported("a report naming the clash",
                r -> r.path("services").path(web).path("error").isTextual(), CONVERGE);
        assertEquals("failed", reported.path("services").path(web).path("state").asText());
        device.restartAgentAndAwaitReport("the clash again", r -> r.path("services").path(web).path("error").isTextual());
        assertEquals(foreignId, DockerCli.inspect(web, "{{.Id}}"), "another agent's container is untouched");
    }

    @Test
    void rapidChangesAreCoalescedAndAnIdleDevicePublishesNothing() throws Exception {
        TestBroker broker = device.broker();
        // the host's memory and disk swings (other work on this machine) and the periodic resync are
        // changes of their own: out of the way, so "idle" means nothing changed
        device.startAgent(TestBroker.URL, java.util.Map.of("BERTH_REPORT_MIN_INTERVAL", "1s",
                "BERTH_REPORT_MEM_CHANGE_BYTES", String.valueOf(Long.MAX_VALUE / 8), "BERTH_REPORT_DISK_CHANGE_BYTES",
                String.valueOf(Long.MAX_VALUE / 8), "BERTH_RECONCILE_RESYNC_INTERVAL", "1h"));
        broker.awaitReported("the first report", r -> true, CONVERGE);
        int before = broker.count("reported");
        for (int revision = 1; revision <= 20; revision++) {
            broker.publishDesired("{\"revision\": " + revision + ", \"services\": {}}");
        }
        broker.awaitReported("revision 20", r -> TestBroker.converged(r, 20), CONVERGE);
        int published = broker.count("reported") - before;
        assertTrue(published <= 6, "20 revisions in a burst gave " + published + " reports, expected a handful");
        Thread.sleep(3000);
        int idle = broker.count("reported") - before - published;
        assertEquals(0, idle, "nothing changed, nothing published");
        // a burst keeps only the latest message waiting: each document is the whole state, so the
        // ones in between need not be applied; every one taken is an event, the last one among them
        List<Long> accepted = broker.events.stream().filter(e -> "accepted".equals(e.path("type").asText()))
                .map(e -> e.path("revision").asLong()).toList();
        assertFalse(accepted.isEmpty(), broker.events.toString());
        assertEquals(20L, accepted.get(accepted.size() - 1), "the last of the burst is taken: " + accepted);
        assertEquals(accepted.stream().sorted().distinct().toList(), accepted, "in order, each once: " + accepted);
    }

    @Test
    void anEmptyRetainedDocumentChangesNothing() throws Exception {
        Web w = webConvergedOnRevision1();
        String web = w.name();
        String data = w.volume();
        int port = w.port();
        TestBroker broker = w.broker();
        String id = DockerCli.inspect(web, "{{.Id}}");

        // the running agent: the rejection of what follows on the same topic shows it took the empty one
        broker.publishDesired(new byte[0]);
        broker.publishDesired("{not json");
        JsonNode reported = broker.awaitReported("the rejection of what is not JSON",
                r -> r.path("rejected").path("reason").asText().contains("not valid"), CONVERGE);
        assertEquals(1, reported.path("revision").path("applied").asLong(), reported.toString());
        assertEquals(id, DockerCli.inspect(web, "{{.Id}}"));

        // a restarted agent finds no retained document at all: it runs on from its state dir
        broker.publishDesired(new byte[0]);
        device.restartAgentAndAwaitReport("converged on revision 1", r -> TestBroker.converged(r, 1));
        assertEquals(id, DockerCli.inspect(web, "{{.Id}}"));
        assertEquals("v1", httpGet(port));
        assertEquals(1, broker.events.stream().filter(e -> "rejected".equals(e.path("type").asText())).count(),
                "the empty documents were not rejected, only what was not JSON: " + broker.events);
    }
}
