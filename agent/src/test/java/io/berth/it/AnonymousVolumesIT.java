package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Anonymous volumes as Compose keeps them: a recreated container mounts its predecessor's
 * (an image VOLUME and {@code volumes: ["/cache"]}), so a database without a named volume does not
 * start empty after an update; the anonymous volumes of a removed service are reported as
 * orphans and left in place.
 */
class AnonymousVolumesIT extends WithTestDevice {

    @Test
    void aRecreatedContainerKeepsItsAnonymousVolumesAndARemovedServiceReportsThemAsOrphans() throws Exception {
        String db = device.container("db");
        String image = "berth-it-volume-" + device.id + ":1";
        List<String> volumes = new ArrayList<>();
        String builder = "berth-it-build-" + device.id;
        try {
            // an image with a VOLUME, made locally from the test image (pull_policy missing: it is not pulled)
            DockerCli.ok("create", "--name", builder, ReconcileIT.IMAGE_V1, "true");
            DockerCli.ok("commit", "--change", "VOLUME /data", builder, image);
            DockerCli.ok("rm", builder);
            TestBroker broker = device.broker();
            device.startAgent();
            String document = """
                    {"revision": %d, "services": {"%s": {"image": "%s", "volumes": ["/cache"],
                      "command": ["sh", "-c", "%s"]}}}""";
            String write = "echo kept > /data/file; echo kept > /cache/file; sleep 3600";
            broker.publishDesired(document.formatted(1, db, image, write));
            broker.awaitReported("revision 1", r -> TestBroker.converged(r, 1), Duration.ofSeconds(60));
            String first = DockerCli.inspect(db, "{{.Id}}");
            volumes.addAll(List.of(DockerCli.inspect(db, "{{range .Mounts}}{{.Name}} {{end}}").trim().split(" ")));
            assertEquals(2, volumes.size(), "one for the image's VOLUME, one for /cache: " + volumes);

            // revision 2 changes the command: the container is recreated and must find the files
            broker.publishDesired(document.formatted(2, db, image, "sleep 3601"));
            broker.awaitReported("revision 2", r -> TestBroker.converged(r, 2), Duration.ofSeconds(90));
            assertNotEquals(first, DockerCli.inspect(db, "{{.Id}}"), "recreated");
            assertEquals("kept", DockerCli.ok("exec", db, "cat", "/data/file").trim(), "the image VOLUME's data");
            assertEquals("kept", DockerCli.ok("exec", db, "cat", "/cache/file").trim(), "the anonymous volume's data");

            // revision 3 removes the service: its anonymous volumes are orphans, reported, still there
            broker.publishDesired("{\"revision\": 3, \"services\": {}}");
            JsonNode reported = broker.awaitReported("revision 3 with orphans", r -> TestBroker.converged(r, 3)
                    && r.path("orphans").path("volumes").size() >= 2, Duration.ofSeconds(60));
            List<String> orphans = new ArrayList<>();
            reported.path("orphans").path("volumes").forEach(v -> orphans.add(v.asText()));
            assertTrue(orphans.containsAll(volumes), "orphans " + orphans + " hold " + volumes);
            for (String volume : volumes) {
                assertEquals(volume, DockerCli.inspect(volume, "{{.Name}}").trim(), "never removed silently");
            }
        } finally {
            device.stopAgent();
            DockerCli.removeContainer(db);
            volumes.forEach(DockerCli::removeVolume);
            DockerCli.run("rm", "-f", builder);
            DockerCli.run("rmi", image);
        }
    }
}
