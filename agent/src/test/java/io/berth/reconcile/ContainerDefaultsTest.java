package io.berth.reconcile;

import static io.berth.spec.SpecFixtures.web;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.model.ServiceOptions;
import io.berth.model.ServiceSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Relative binds under the data root, and the profile's log limits, added outside the hash. */
class ContainerDefaultsTest {
    @TempDir
    Path root;

    private static final ServiceOptions.Logging LIMITS = new ServiceOptions.Logging("json-file",
            new TreeMap<>(Map.of("max-size", "10m", "max-file", "3")));

    @Test
    void relativeBindsResolveUnderTheDataRootWhichIsCreated() throws Exception {
        ServiceSpec spec = web("{\"image\": \"busybox\", \"volumes\": [\"./conf/web:/conf\", \"./:/all\", \"/abs:/abs\"]}");
        ServiceSpec applied = new ContainerDefaults(root, null).apply(spec);
        assertEquals(root.resolve("conf/web").toString(), applied.mounts().get(0).source());
        assertEquals(root.toString(), applied.mounts().get(1).source());
        assertEquals("/abs", applied.mounts().get(2).source());
        assertTrue(Files.isDirectory(root.resolve("conf/web")));
        assertEquals(spec.hash(), web("{\"image\": \"busybox\", \"volumes\": [\"./conf/web:/conf\", \"./:/all\", "
                + "\"/abs:/abs\"]}").hash(), "the desired spec keeps its relative form");
    }

    @Test
    void aDataRootThatDoesNotExistYetIsCreated() throws Exception {
        Path fresh = root.resolve("state/data"); // a fresh device: not there until the first relative bind
        ServiceSpec applied = new ContainerDefaults(fresh, null).apply(web(
                "{\"image\": \"busybox\", \"volumes\": [\"./conf:/conf\"]}"));
        assertEquals(fresh.resolve("conf").toString(), applied.mounts().get(0).source());
        assertTrue(Files.isDirectory(fresh.resolve("conf")));
    }

    @Test
    void aRelativeBindThroughASymlinkPlantedAfterTheCheckIsRefusedAtCreation() throws Exception {
        Files.createDirectories(root.resolve("web"));
        Files.createSymbolicLink(root.resolve("web/planted"), Path.of("/"));
        String absent = "berth-test-" + root.getFileName(); // would be created at the host's root
        ServiceSpec spec = web("{\"image\": \"busybox\", \"volumes\": [\"./web/planted/" + absent + ":/host\"]}");
        io.berth.engine.EngineException e = org.junit.jupiter.api.Assertions.assertThrows(
                io.berth.engine.EngineException.class, () -> new ContainerDefaults(root, null).apply(spec));
        assertTrue(e.getMessage().contains("through a symlink"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertFalse(Files.exists(Path.of("/", absent)), "nothing created on the host");
    }

    @Test
    void serviceWithoutLoggingGetsTheProfilesLimitsAndOneWithLoggingKeepsIts() throws Exception {
        ContainerDefaults defaults = new ContainerDefaults(root, LIMITS);
        assertEquals(LIMITS, defaults.apply(web("{\"image\": \"busybox\"}")).options().logging());
        ServiceSpec own = web("{\"image\": \"busybox\", \"logging\": {\"driver\": \"none\"}}");
        assertEquals("none", defaults.apply(own).options().logging().driver());
        ServiceSpec plain = web("{\"image\": \"busybox\"}");
        assertSame(plain, new ContainerDefaults(root, null).apply(plain));
        assertNull(plain.options().logging(), "the desired spec itself is unchanged");
    }
}
