package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A burst of desired messages, junk among them, as a buggy publisher sends: the reconcile queue
 * never fills, the latest document is applied, and reconciliation goes on afterwards (a container
 * removed by hand comes back).
 */
class DesiredBurstIT extends WithTestDevice {

    @Test
    void aBurstWithJunkNeverStopsReconciliation() throws Exception {
        String web = device.container("web");
        TestBroker broker = device.broker();
        device.startAgent();
        String document = "{\"revision\": %d, \"services\": {\"%s\": {\"image\": \"%s\", \"command\": [\"sleep\", \"%d\"]}}}";
        broker.publishDesired(document.formatted(1, web, ReconcileIT.IMAGE_V1, 3600));
        broker.awaitReported("revision 1", r -> TestBroker.converged(r, 1), ReconcileIT.CONVERGE);

        for (int i = 2; i < 400; i++) {
            switch (i % 4) {
                case 0 -> broker.publishDesired(("not json " + i).getBytes(StandardCharsets.UTF_8));
                case 1 -> broker.publishDesired("{\"revision\": " + i + ", \"services\": {\"x\": {}}}");
                default -> broker.publishDesired(document.formatted(i, web, ReconcileIT.IMAGE_V1, 3600 + i));
            }
        }
        // only the latest message waiting is taken (each is the whole state): the burst ends with a good one
        int revision = 400;
        broker.publishDesired(document.formatted(revision, web, ReconcileIT.IMAGE_V1, 3600 + revision));
        broker.awaitReported("the last revision of the burst, " + revision,
                r -> TestBroker.converged(r, revision), ReconcileIT.CONVERGE);
        assertEquals("sleep " + (3600 + revision), DockerCli.inspect(web, "{{join .Config.Cmd \" \"}}").trim());

        // the loop still runs: a container removed by hand is recreated
        String id = DockerCli.inspect(web, "{{.Id}}");
        DockerCli.removeContainer(web);
        String again = Await.until("the container recreated", () -> {
            String now = DockerCli.inspect(web, "{{.Id}}");
            return now != null && "running".equals(DockerCli.inspect(web, "{{.State.Status}}").trim()) ? now : null;
        }, Duration.ofSeconds(90), () -> "no container " + web);
        assertNotEquals(id, again);
    }
}
