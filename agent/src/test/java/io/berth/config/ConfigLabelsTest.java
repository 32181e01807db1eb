package io.berth.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PROTOCOL.md §10: {@code labels} stays a map in the config file; BERTH_LABELS (k=v,k=v) wins; a bad one is named. */
class ConfigLabelsTest {
    private static final ProfileDetector.Host HOST = new ProfileDetector.Host(null, null, "sparc64");

    @TempDir
    Path dir;

    @Test
    void aMapInTheFileStaysAMapWithDottedAndSlashedKeys() throws Exception {
        Path file = write("config.yaml", """
                deviceId: pi-1
                labels:
                  tier: canary
                  example.com/ring: 0
                  gpu:
                mqtt:
                  url: tcp://127.0.0.1:1883
                """);
        AgentConfig config = ConfigLoader.load(file, Map.of(), () -> HOST);
        assertEquals(Map.of("tier", "canary", "example.com/ring", "0", "gpu", ""), config.labels());
        assertEquals(List.of("example.com/ring", "gpu", "tier"), List.copyOf(config.labels().keySet()), "sorted");
        assertEquals("tcp://127.0.0.1:1883", config.mqttUrl(), "the rest is still flattened");
    }

    @Test
    void theEnvironmentWins() throws Exception {
        Path file = write("config.json", "{\"deviceId\": \"pi-1\", \"labels\": {\"tier\": \"canary\"}}");
        AgentConfig config = ConfigLoader.load(file, Map.of("BERTH_LABELS", "tier=prod,site=berlin"), () -> HOST);
        assertEquals(Map.of("tier", "prod", "site", "berlin"), config.labels());
    }

    @Test
    void noLabelsIsAnEmptyMap() throws Exception {
        assertEquals(Map.of(), ConfigLoader.load(null, Map.of("BERTH_DEVICE_ID", "d"), () -> HOST).labels());
    }

    @Test
    void aBadLabelInTheEnvironmentIsNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                Map.of("BERTH_DEVICE_ID", "d", "BERTH_LABELS", "tier=canary,-bad=1"), () -> HOST));
        assertTrue(e.getMessage().contains("BERTH_LABELS") && e.getMessage().contains("'-bad'"), e.getMessage());
    }

    @Test
    void aBadLabelInTheFileIsNamed() throws IOException {
        Path file = write("c.yaml", "deviceId: d\nlabels:\n  tier: \"can ary\"\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), () -> HOST));
        assertTrue(e.getMessage().contains("label 'tier' value 'can ary'") && e.getMessage().contains(file.toString()),
                e.getMessage());
        Path nested = write("n.yaml", "deviceId: d\nlabels:\n  tier:\n    a: b\n");
        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(nested, Map.of(), () -> HOST));
        assertTrue(e.getMessage().contains("label 'tier'") && e.getMessage().contains("not a map"), e.getMessage());
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
    }
}
