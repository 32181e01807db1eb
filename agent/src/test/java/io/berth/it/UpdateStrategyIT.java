package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * update.strategy and pull_policy against the real engine and registry. Each test pushes a tag
 * only it uses (to the dev-services registry) so that a pull really happens, and removes the
 * local tag at the end.
 */
class UpdateStrategyIT extends WithTestDevice {
    private static final Duration CONVERGE = Duration.ofSeconds(90);
    private TestImages images;

    /** Pushes {@code source} to the registry under this test's own tag, removed locally (and, at the end, there). */
    private String pushOwnTag(String source) {
        images = new TestImages(device.id);
        return images.pushTag(source, "strategy");
    }

    @AfterEach
    void removeOwnTag() throws Exception {
        if (images != null) {
            images.close();
        }
    }

    private static String service(long revision, String name, int port, String image, String extra, String update) {
        return """
                {"revision": %d,
                 "services": {"%s": {"image": "%s", "command": ["httpd", "-f", "-p", "80", "-h", "/www"],
                   "ports": ["127.0.0.1:%d:80"], "restart": "unless-stopped"%s}},
                 "update": %s}
                """.formatted(revision, name, image, port, extra, update);
    }

    private static int indexOf(List<JsonNode> events, String type, String messagePart) {
        for (int i = 0; i < events.size(); i++) {
            JsonNode e = events.get(i);
            if (type.equals(e.path("type").asText()) && e.path("message").asText().contains(messagePart)) {
                return i;
            }
        }
        return -1;
    }

    /** Where the old container was stopped and where the new image was pulled, in the order of events. */
    private record Order(int stopped, int pulled, List<JsonNode> events) {}

    /** Runs the web service on v1, then updates it to v2 under this test's own tag with the strategy given. */
    private Order updateWith(String strategy, int port) throws Exception {
        String name = device.container("web");
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired(service(1, name, port, ReconcileIT.IMAGE_V1, "", "{}"));
        broker.awaitReported("revision 1", r -> TestBroker.converged(r, 1), CONVERGE);

        String image = pushOwnTag(ReconcileIT.IMAGE_V2);
        broker.publishDesired(service(2, name, port, image, "", "{\"strategy\": \"" + strategy + "\"}"));
        broker.awaitReported("revision 2", r -> TestBroker.converged(r, 2), CONVERGE);
        List<JsonNode> events = List.copyOf(broker.events);
        return new Order(indexOf(events, "stopped", "kept it as"), indexOf(events, "pulled", image), events);
    }

    @Test
    void killThenDownloadStopsTheOldContainerBeforeItPulls() throws Exception {
        int port = TestDevice.freePort();
        Order order = updateWith("kill-then-download", port);
        assertTrue(order.stopped() >= 0 && order.pulled() > order.stopped(), "stopped, then pulled: " + order.events());
        assertEquals("v2", ReconcileIT.httpGet(port));
    }

    @Test
    void downloadThenKillPullsWhileTheOldContainerRuns() throws Exception {
        int port = TestDevice.freePort();
        Order order = updateWith("download-then-kill", port);
        assertTrue(order.pulled() >= 0 && order.stopped() > order.pulled(), "pulled, then stopped: " + order.events());
        assertEquals("v2", ReconcileIT.httpGet(port));
    }

    @Test
    void pullPolicyAlwaysPicksUpANewImageUnderTheSameTag() throws Exception {
        String name = device.container("web");
        int port = TestDevice.freePort();
        TestBroker broker = device.broker();
        String image = pushOwnTag(ReconcileIT.IMAGE_V1);
        device.startAgent();
        String always = ", \"pull_policy\": \"always\"";
        broker.publishDesired(service(1, name, port, image, always, "{}"));
        broker.awaitReported("revision 1", r -> TestBroker.converged(r, 1), CONVERGE);
        assertEquals("v1", ReconcileIT.httpGet(port));

        // the registry's tag moves to v2; the device's copy of the tag still says v1
        images.repush(ReconcileIT.IMAGE_V2, image);
        DockerCli.ok("tag", ReconcileIT.IMAGE_V1, image);

        broker.publishDesired(service(2, name, port, image, always, "{}"));
        broker.awaitReported("revision 2", r -> TestBroker.converged(r, 2), CONVERGE);
        assertEquals("v2", ReconcileIT.httpGet(port), "the new revision pulled the tag again and replaced the container");
    }
}
