package io.berth.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.engine.EngineException;
import io.berth.engine.LocalImage;
import io.berth.engine.PullProgress;
import io.berth.plan.Step;
import io.berth.store.PulledImages;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pull: disk check first (GC when short, then a clear retryable error), progress events, the record. */
class ImagePullsTest {
    static final long MIB = 1024 * 1024;

    @TempDir
    Path stateDir;
    final FakeImageEngine engine = new FakeImageEngine();
    final List<String> events = new CopyOnWriteArrayList<>();
    final AtomicLong free = new AtomicLong(10_000 * MIB);
    final Map<String, OptionalLong> sizes = new java.util.HashMap<>();
    ScheduledThreadPoolExecutor timer;
    ImagePulls pulls;

    @BeforeEach
    void setUp() {
        timer = new ScheduledThreadPoolExecutor(1);
        engine.dataRoot = stateDir.toString();
        engine.onRemove = image -> free.addAndGet(image.sizeBytes());
        pulls = new ImagePulls(engine.engine(), ImageCollectorTest.reporter(timer, events, stateDir),
                Clock.systemUTC(), new ImageSettings(stateDir, 100 * MIB), path -> free.get(),
                (image, auth, platform) -> sizes.getOrDefault(image, OptionalLong.empty()));
        pulls.target(7, Set.of("r/x:2"));
    }

    @AfterEach
    void tearDown() {
        timer.shutdownNow();
    }

    private static Step.PullImage step(String image) {
        return new Step.PullImage("web", image, null);
    }

    @Test
    void aPullIsRecordedAndReportsProgressWithBothFigures() throws Exception {
        engine.registry.put("r/x:2", new LocalImage("sha256:x2", 3 * MIB, List.of("r/x:2")));
        engine.progress.add(new PullProgress(0, 0));
        engine.progress.add(new PullProgress(MIB, 3 * MIB));
        engine.progress.add(new PullProgress(2 * MIB, 3 * MIB));
        pulls.pull(step("r/x:2"));
        assertEquals(Map.of("sha256:x2", "r/x:2"), new PulledImages(stateDir).all());
        // no event without a total; then one (the others fall within its second)
        assertEquals(1, events.size(), events.toString());
        String event = events.get(0);
        assertTrue(event.contains("\"type\":\"pull-progress\"") && event.contains("\"service\":\"web\"")
                && event.contains("\"revision\":7") && event.contains("\"bytes\":1048576")
                && event.contains("\"totalBytes\":3145728") && event.contains("1.0 of 3.0 MiB"), event);
    }

    @Test
    void anImageThatWasHereAlreadyIsNotRecorded() throws Exception {
        // pull_policy always, or an image loaded with berth load: the pull finds it up to date
        engine.add("sha256:x2", 3 * MIB, "r/x:2");
        engine.registry.put("r/x:2", new LocalImage("sha256:x2", 3 * MIB, List.of("r/x:2")));
        pulls.pull(step("r/x:2"));
        assertEquals(List.of("r/x:2"), engine.pulls);
        assertTrue(new PulledImages(stateDir).all().isEmpty());
    }

    @Test
    void aNewerImageUnderTheSameTagIsRecorded() throws Exception {
        engine.add("sha256:old", 3 * MIB, "r/x:2");
        engine.registry.put("r/x:2", new LocalImage("sha256:new", 3 * MIB, List.of("r/x:2")));
        pulls.pull(step("r/x:2"));
        assertEquals(Map.of("sha256:new", "r/x:2"), new PulledImages(stateDir).all());
    }

    @Test
    void shortOfDiskCollectsFirstThenPulls() throws Exception {
        free.set(60 * MIB);
        engine.add("sha256:x1", 50 * MIB, "r/x:1");
        new PulledImages(stateDir).add("sha256:x1", "r/x:1");
        pulls = new ImagePulls(engine.engine(), ImageCollectorTest.reporter(timer, events, stateDir),
                Clock.systemUTC(), new ImageSettings(stateDir, 100 * MIB), path -> free.get(),
                (image, auth, platform) -> sizes.getOrDefault(image, OptionalLong.empty()));
        pulls.target(7, Set.of("r/x:2"));
        pulls.pull(step("r/x:2"));
        assertEquals(List.of("sha256:x1"), engine.removed);
        assertEquals(List.of("r/x:2"), engine.pulls);
        assertTrue(events.stream().anyMatch(e -> e.contains("removed image r/x:1 (freed 50 MiB)")), events.toString());
    }

    @Test
    void stillShortIsARetryableErrorThatSaysWhatToDo() throws Exception {
        free.set(60 * MIB);
        engine.add("sha256:mine", 500 * MIB, "not-berths:1");
        EngineException e = assertThrows(EngineException.class, () -> pulls.pull(step("r/x:2")));
        assertFalse(e.terminal(), "disk may be freed: retried with backoff");
        assertEquals("not enough disk for r/x:2: need 100 MiB (disk.pullFloor; the image's size is not known before "
                + "the pull), 60 MiB free on " + stateDir + " after removing unused images Berth pulled; free space "
                + "on the device, or lower disk.pullFloor (BERTH_DISK_PULL_FLOOR); Berth tries again on its own",
                e.getMessage());
        assertTrue(engine.pulls.isEmpty());
        assertTrue(engine.removed.isEmpty(), "never an image Berth did not pull");
    }

    @Test
    void theImagesSizeFromItsManifestCountsWhereKnown() throws Exception {
        free.set(150 * MIB);
        sizes.put("r/x:2", OptionalLong.of(60 * MIB));
        EngineException e = assertThrows(EngineException.class, () -> pulls.pull(step("r/x:2")));
        assertTrue(e.getMessage().startsWith("not enough disk for r/x:2: need 160 MiB (60 MiB the image, from its "
                + "registry's manifest, and 100 MiB disk.pullFloor), 150 MiB free on "), e.getMessage());
        sizes.put("r/x:2", OptionalLong.of(40 * MIB));
        pulls.pull(step("r/x:2"));
        assertEquals(List.of("r/x:2"), engine.pulls);
    }

    @Test
    void aDataRootOnAnotherHostIsNotChecked() throws Exception {
        free.set(0);
        engine.dataRoot = "/no/such/dir/on/this/host";
        pulls.pull(step("r/x:2"));
        assertEquals(List.of("r/x:2"), engine.pulls);
    }
}
