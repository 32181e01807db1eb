package io.berth.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.store.PulledImages;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image GC collects only what Berth pulled and nothing needs; never forced, never another's. */
class ImageCollectorTest {
    static final long MIB = 1024 * 1024;

    @TempDir
    Path stateDir;
    final FakeImageEngine engine = new FakeImageEngine();
    final List<String> events = new CopyOnWriteArrayList<>();
    ScheduledThreadPoolExecutor timer;
    PulledImages pulled;
    ImageCollector collector;

    static StatusReporter reporter(ScheduledThreadPoolExecutor timer, List<String> events, Path dir) {
        return new StatusReporter("dev", "test", "generic", Clock.systemUTC(), timer, new StatusReporter.Sink() {
            @Override
            public void publishReport(byte[] json) {
            }

            @Override
            public void publishEvent(byte[] json) {
                events.add(new String(json, java.nio.charset.StandardCharsets.UTF_8));
            }
        }, Duration.ofSeconds(1), Duration.ofHours(1), new HostFacts(dir, Long.MAX_VALUE, Long.MAX_VALUE));
    }

    @BeforeEach
    void setUp() {
        timer = new ScheduledThreadPoolExecutor(1);
        pulled = new PulledImages(stateDir);
        collector = new ImageCollector(engine.engine(), pulled, reporter(timer, events, stateDir));
    }

    @AfterEach
    void tearDown() {
        timer.shutdownNow();
    }

    private void pulledByBerth(String id, long size, String reference) throws Exception {
        engine.add(id, size, reference);
        pulled.add(id, reference);
    }

    @Test
    void anUnusedImageBerthPulledIsRemovedWithAnEvent() throws Exception {
        pulledByBerth("sha256:a", 5 * MIB, "r/x:1");
        assertEquals(5 * MIB, collector.collect(3, Set.of()));
        assertEquals(List.of("sha256:a"), engine.removed);
        assertTrue(pulled.all().isEmpty());
        assertEquals(1, events.size());
        assertTrue(events.get(0).contains("\"type\":\"removed\"") && events.get(0).contains("\"revision\":3")
                && events.get(0).contains("removed image r/x:1 (freed 5 MiB)"), events.get(0));
    }

    @Test
    void imagesToKeepStayAndSoDoThoseWithTheSameId() throws Exception {
        pulledByBerth("sha256:a", MIB, "r/x:1");
        pulledByBerth("sha256:b", MIB, "r/x:2");
        engine.add("sha256:c", MIB, "r/x:3");
        pulled.add("sha256:c", "r/x:3");
        collector.collect(1, Set.of("r/x:1", "r/x:2"));
        assertEquals(List.of("sha256:c"), engine.removed);
    }

    @Test
    void imagesContainersUseStay() throws Exception {
        pulledByBerth("sha256:a", MIB, "r/x:1");
        engine.inUse.add("sha256:a");
        assertEquals(0, collector.collect(1, Set.of()));
        assertTrue(engine.removed.isEmpty());
        assertEquals(Set.of("sha256:a"), pulled.all().keySet(), "still Berth's, collectable once unused");
    }

    @Test
    void imagesBerthDidNotPullAreNeverTouched() throws Exception {
        engine.add("sha256:loaded", MIB, "berth-load/x:1");
        engine.add("sha256:old", MIB, "was-here/x:1");
        pulledByBerth("sha256:a", MIB, "r/x:1");
        collector.collect(1, Set.of());
        assertEquals(List.of("sha256:a"), engine.removed);
        assertTrue(engine.images.containsKey("sha256:loaded") && engine.images.containsKey("sha256:old"));
    }

    @Test
    void anImageSomeoneTaggedIsTheirsToo() throws Exception {
        pulledByBerth("sha256:a", MIB, "r/x:1");
        engine.add("sha256:a", MIB, "r/x:1", "mine:latest");
        collector.collect(1, Set.of());
        assertTrue(engine.removed.isEmpty());
    }

    @Test
    void aRefusalIsSkippedAndTheRestGoesOn() throws Exception {
        pulledByBerth("sha256:a", MIB, "r/x:1");
        pulledByBerth("sha256:b", 2 * MIB, "r/x:2");
        engine.refused.add("sha256:a");
        assertEquals(2 * MIB, collector.collect(1, Set.of()));
        assertEquals(List.of("sha256:b"), engine.removed);
        assertEquals(Set.of("sha256:a"), pulled.all().keySet());
    }

    @Test
    void anImageRemovedBySomeoneElseIsForgotten() throws Exception {
        pulled.add("sha256:gone", "r/x:1");
        collector.collect(1, Set.of());
        assertTrue(pulled.all().isEmpty());
        assertTrue(events.isEmpty());
    }

    @Test
    void aDanglingImageWhoseTagMovedIsCollected() throws Exception {
        pulledByBerth("sha256:old", MIB, "r/x:1");
        engine.add("sha256:old", MIB); // the tag moved to a newer pull: the old one is dangling
        engine.add("sha256:new", MIB, "r/x:1");
        pulled.add("sha256:new", "r/x:1");
        collector.collect(1, Set.of("r/x:1"));
        assertEquals(List.of("sha256:old"), engine.removed);
        assertEquals(Map.of("sha256:new", "r/x:1"), pulled.all());
    }

    @Test
    void namesCompareAsTheEngineWritesThem() {
        assertTrue(ImageCollector.sameName("busybox:latest", "busybox"));
        assertTrue(ImageCollector.sameName("busybox:1", "docker.io/library/busybox:1"));
        assertTrue(ImageCollector.sameName("127.0.0.1:5000/a/b:1", "127.0.0.1:5000/a/b:1"));
        assertFalse(ImageCollector.sameName("127.0.0.1:5000/a/b:2", "127.0.0.1:5000/a/b:1"));
        assertFalse(ImageCollector.sameName("mine:latest", "busybox"));
    }
}
