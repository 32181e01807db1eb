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

    @Test
    void aNamedVolumeIsNeverInheritedAndAFailedCreateLeavesNoVolumeBehind() throws Exception {
        String db = device.container("db");
        String named = "berth-it-named-" + device.id;
        try {
            TestBroker broker = device.broker();
            device.startAgent();
            // revision 1 mounts a named volume at /data and writes into it
            broker.publishDesired("""
                    {"revision": 1, "volumes": {"%s": {}}, "services": {"%s": {"image": "%s",
                      "volumes": ["%s:/data"], "command": ["sh", "-c", "echo named > /data/file; sleep 3600"]}}}"""
                    .formatted(named, db, ReconcileIT.IMAGE_V1, named));
            broker.awaitReported("revision 1", r -> TestBroker.converged(r, 1), Duration.ofSeconds(60));
            assertEquals(named, DockerCli.inspect(db, "{{range .Mounts}}{{.Name}}{{end}}").trim());

            // revision 2 makes /data anonymous: a fresh volume, not the named one
            String anonymous = """
                    {"revision": %d, "volumes": {"%s": {}}, "services": {"%s": {"image": "%s",
                      "volumes": [%s], "command": ["sh", "-c", "sleep 3601"]%s}}}""";
            broker.publishDesired(anonymous.formatted(2, named, db, ReconcileIT.IMAGE_V1, "\"/data\"", ""));
            broker.awaitReported("revision 2", r -> TestBroker.converged(r, 2), Duration.ofSeconds(90));
            String mounted = DockerCli.inspect(db, "{{range .Mounts}}{{.Name}}{{end}}").trim();
            assertNotEquals(named, mounted, "the named volume is not taken for an anonymous one");
            assertEquals("", DockerCli.ok("exec", db, "ls", "/data").trim(), "a fresh, empty volume");

            // revision 3 adds an anonymous /extra and asks for more cpus than the host has: the
            // engine refuses the create (terminal, rolled back); the volume made for it is removed
            broker.publishDesired(anonymous.formatted(3, named, db, ReconcileIT.IMAGE_V1, "\"/data\", \"/extra\"",
                    ", \"cpus\": 512"));
            broker.awaitReported("rolled back", r -> "rolled-back".equals(r.path("phase").asText()),
                    Duration.ofSeconds(90));
            assertEquals("", DockerCli.ok("volume", "ls", "-q", "--filter", "label=berth.device=" + device.id,
                    "--filter", "label=berth.anonymous=/extra").trim(), "no volume left from the failed create");
            assertEquals(mounted, DockerCli.inspect(db, "{{range .Mounts}}{{.Name}}{{end}}").trim());
        } finally {
            device.stopAgent();
            DockerCli.removeContainer(db);
            DockerCli.removeVolume(named);
        }
    }
}
