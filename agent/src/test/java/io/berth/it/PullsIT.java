package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.engine.PullProgress;
import io.berth.engine.docker.DockerEngine;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pulls against the real engine and registry: pull-progress events (at most once a second per
 * image), the free-disk check before a pull, and image GC of what Berth pulled.
 */
class PullsIT extends WithTestDevice {
    private static final Duration CONVERGE = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestImages images;

    @BeforeEach
    void images() {
        images = new TestImages(device.id);
    }

    @AfterEach
    void removeImages() throws Exception {
        device.stopAgent();
        // the containers first: the engine keeps an image that a container (even a stopped one) uses
        device.containers.forEach(DockerCli::removeContainer);
        images.close();
    }

    private static String document(long revision, String service, String image) {
        return """
                {"revision": %d, "services": {"%s": {"image": "%s", "command": ["sleep", "3600"]}}}
                """.formatted(revision, service, image);
    }

    private static List<JsonNode> events(TestBroker broker, String type) {
        return broker.events.stream().filter(e -> type.equals(e.path("type").asText())).toList();
    }

    @Test
    void aPullReportsProgressAtMostOnceASecond() throws Exception {
        String svc = device.container("big");
        String pushed = images.push("big", 32 * 1024 * 1024);
        try (LoopbackProxy slow = new LoopbackProxy(5000, 8 * 1024 * 1024)) {
            // the same registry behind a slow link: the pull takes seconds, so progress comes several times
            String image = images.pulledAs(pushed, slow.host());
            TestBroker broker = device.broker();
            device.startAgent();
            broker.publishDesired(document(1, svc, image));
            broker.awaitReported("converged", r -> TestBroker.converged(r, 1), CONVERGE);
            checkProgress(broker, svc, image);
        }
    }

    private void checkProgress(TestBroker broker, String svc, String image) throws Exception {

        List<JsonNode> progress = events(broker, "pull-progress");
        assertFalse(progress.isEmpty(), "at least one pull-progress event: " + broker.events);
        System.out.println("pull-progress events: " + progress);
        assertTrue(progress.size() >= 2, "a pull of some seconds reports progress more than once: " + progress);
        Instant previous = null;
        Instant firstTime = null;
        for (JsonNode event : progress) {
            assertEquals(svc, event.path("service").asText(), event.toString());
            assertEquals(1, event.path("revision").asLong(), event.toString());
            long bytes = event.path("bytes").asLong(-1);
            long total = event.path("totalBytes").asLong(-1);
            assertTrue(bytes >= 0 && total > 0 && bytes <= total, event.toString());
            assertTrue(event.path("message").asText().startsWith("pulling " + image + ": "), event.toString());
            Instant time = Instant.parse(event.path("time").asText());
            assertTrue(previous == null || !time.isBefore(previous), "in order: " + progress);
            firstTime = firstTime == null ? time : firstTime;
            previous = time;
        }
        // once a second per image: counted over the whole pull, as each event's stamp is taken a moment
        // after the throttle's decision (a stall between the two moves one stamp, not the rate)
        long spanMillis = Duration.between(firstTime, previous).toMillis();
        assertTrue(progress.size() - 1 <= (spanMillis + 500) / 1000,
                progress.size() + " pull-progress events of one image in " + spanMillis + " ms: " + progress);
        JsonNode pulled = events(broker, "pulled").get(0);
        assertTrue(Instant.parse(pulled.path("time").asText()).compareTo(previous) >= 0, "progress comes before pulled");
        // no other event type carries the two figures
        broker.events.stream().filter(e -> !"pull-progress".equals(e.path("type").asText()))
                .forEach(e -> assertFalse(e.has("bytes") || e.has("totalBytes"), e.toString()));
        String record = Files.readString(device.stateDir.resolve("pulled-images.json"));
        assertTrue(record.contains(image), record);
    }

    @Test
    void imageGcRemovesWhatNoRevisionNeedsAndNeverAnotherOnes() throws Exception {
        String svc = device.container("gc");
        String a = images.push("a", 1024 * 1024);
        String b = images.push("b", 1024 * 1024);
        String c = images.push("c", 1024 * 1024);
        String notPulled = images.tagLocally(ReconcileIT.IMAGE_V2, "not-pulled");
        TestBroker broker = device.broker();
        device.startAgent();

        broker.publishDesired(document(1, svc, a));
        broker.awaitReported("revision 1 on image A", r -> TestBroker.converged(r, 1), CONVERGE);
        broker.publishDesired(document(2, svc, b));
        broker.awaitReported("revision 2 on image B", r -> TestBroker.converged(r, 2), CONVERGE);
        // while revision 2 was on trial, A was the way back (and its kept container used it); now it is not
        awaitCollected(broker, a);
        assertTrue(TestImages.present(b), "B runs");

        broker.publishDesired(document(3, svc, c));
        broker.awaitReported("revision 3 on image C", r -> TestBroker.converged(r, 3), CONVERGE);
        JsonNode removed = awaitCollected(broker, b);
        assertTrue(removed.path("message").asText().matches("removed image .* \\(freed \\d+ MiB\\)"), removed.toString());
        assertTrue(TestImages.present(c), "C runs");
        assertTrue(TestImages.present(notPulled), "an image Berth did not pull is never collected");
        assertTrue(TestImages.present(ReconcileIT.IMAGE_V2));
        String record = Files.readString(device.stateDir.resolve("pulled-images.json"));
        assertFalse(record.contains(a) || record.contains(b), record);
        assertTrue(record.contains(c), record);
    }

    private JsonNode awaitCollected(TestBroker broker, String image) throws Exception {
        JsonNode removed = Await.until(image + " collected", () -> events(broker, "removed").stream()
                .filter(e -> e.path("message").asText().startsWith("removed image " + image + " (freed "))
                .findFirst().orElse(null), Duration.ofSeconds(30), () -> "events: " + broker.events);
        assertFalse(TestImages.present(image), image + " is no revision's any more: collected");
        return removed;
    }

    @Test
    void shortOfDiskIsAClearRetriedErrorOnTheService() throws Exception {
        String svc = device.container("nodisk");
        // never pulled: the check comes first; a floor no disk has makes the device short of space
        String image = TestImages.REGISTRY + "/berth-it/" + device.id + "-nodisk:1";
        TestBroker broker = device.broker();
        device.startAgent(TestBroker.URL, Map.of("BERTH_DISK_PULL_FLOOR", "1000000GiB"));
        broker.publishDesired(document(1, svc, image));
        JsonNode reported = broker.awaitReported("the service failing",
                r -> r.path("services").path(svc).path("error").isTextual(), CONVERGE);
        JsonNode service = reported.path("services").path(svc);
        String error = service.path("error").asText();
        String root = DockerCli.ok("info", "-f", "{{.DockerRootDir}}");
        assertTrue(error.startsWith("not enough disk for " + image + ": need 1024000000 MiB"), error);
        assertTrue(error.contains(" MiB free on " + root + " after removing unused images Berth pulled; free space "
                + "on the device, or lower disk.pullFloor (BERTH_DISK_PULL_FLOOR)"), error);
        assertEquals("failed", service.path("state").asText(), service.toString());
        // retryable: the disk may be freed; tried again with backoff, and the agent carries on
        Await.until("a second attempt", () -> events(broker, "failed").size() >= 2, Duration.ofSeconds(30),
                () -> "events: " + broker.events);
        assertFalse(TestImages.present(image));
    }

    @Test
    void theImagesSizeFromItsManifestCountsBesideTheFloor() throws Exception {
        String svc = device.container("sized");
        String image = images.push("sized", 64 * 1024 * 1024);
        String root = DockerCli.ok("info", "-f", "{{.DockerRootDir}}");
        // a floor above the free space, with room for this shared disk's swings: the point here is that
        // the need names the image's size read from the registry's manifest (that the image alone can
        // tip the balance is ImagePullsTest's, on a fake disk; here a floor 32 MiB below the free space
        // was met by the pull when other work freed more than that meanwhile)
        long floor = Files.getFileStore(java.nio.file.Path.of(root)).getUsableSpace() + 256L * 1024 * 1024;
        TestBroker broker = device.broker();
        device.startAgent(TestBroker.URL, Map.of("BERTH_DISK_PULL_FLOOR", Long.toString(floor)));
        broker.publishDesired(document(1, svc, image));
        JsonNode reported = broker.awaitReported("the service failing",
                r -> r.path("services").path(svc).path("error").isTextual(), CONVERGE);
        String error = reported.path("services").path(svc).path("error").asText();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("not enough disk for "
                + java.util.regex.Pattern.quote(image) + ": need \\d+ MiB \\((\\d+) MiB the image, from its registry's "
                + "manifest, and \\d+ MiB disk.pullFloor\\), \\d+ MiB free on " + java.util.regex.Pattern.quote(root)
                + " .*").matcher(error);
        assertTrue(m.matches(), error);
        long imageMib = Long.parseLong(m.group(1));
        assertTrue(imageMib >= 64 && imageMib <= 70, "64 MiB of random bytes and busybox, compressed: " + error);
        java.util.regex.Matcher need = java.util.regex.Pattern.compile("need (\\d+) MiB \\(\\d+ MiB the image, from its "
                + "registry's manifest, and (\\d+) MiB").matcher(error);
        assertTrue(need.find(), error);
        long sum = imageMib + Long.parseLong(need.group(2)); // each rounded to MiB on its own
        assertTrue(Math.abs(Long.parseLong(need.group(1)) - sum) <= 1, "the image beside the floor: " + error);
        assertFalse(TestImages.present(image));
    }

    @Test
    void pullingAnImageThatIsAlreadyHereIsUpToDate() throws Exception {
        // pull_policy always pulls present images: the engine finds them up to date
        List<PullProgress> progress = new ArrayList<>();
        try (DockerEngine engine = new DockerEngine("unix:///var/run/docker.sock", Map.of())) {
            String before = engine.image(ReconcileIT.IMAGE_V1).id();
            engine.pull(ReconcileIT.IMAGE_V1, null, progress::add);
            assertEquals(before, engine.image(ReconcileIT.IMAGE_V1).id());
        }
        // nothing is downloaded, so nothing is reported as progress (a forEach over it checked nothing)
        assertEquals(List.of(), progress, "an image that is up to date downloads nothing");
    }
}
