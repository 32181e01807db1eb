package io.berth.engine.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A volume's driver options read back from dockerd 20.10's JSON, on a fake engine. */
class VolumesAndNetworksTest {
    @TempDir
    Path dir;

    @Test
    void readsAVolumesOptionsAndNoneForOneThatIsNotThere() throws Exception {
        try (FakeEngine engine = FakeEngine.serve(dir.resolve("e.sock"), Map.of(
                "/volumes/nfs", "{\"Name\":\"nfs\",\"Options\":{\"type\":\"nfs\",\"o\":\"addr=10.0.0.1\",\"device\":\":/x\"}}",
                "/volumes/plain", "{\"Name\":\"plain\",\"Options\":null}"))) {
            VolumesAndNetworks resources = new VolumesAndNetworks(engine.http(), new EngineCalls(engine.host()));
            assertEquals(Map.of("type", "nfs", "o", "addr=10.0.0.1", "device", ":/x"), resources.volumeOptions("nfs"));
            assertTrue(resources.volumeOptions("plain").isEmpty());
            assertTrue(resources.volumeOptions("missing").isEmpty(), "no such volume: no options");
        }
    }
}
