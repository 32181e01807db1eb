package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A support bundle carries the agent update's records, not its packages. */
class SupportBundleAgentUpdateTest {
    @TempDir
    Path state;

    @Test
    void theRecordsOfTheAgentUpdateAreInTheBundle() throws Exception {
        Path dir = state.resolve("agent-update");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("pending.json"), "{\"revision\":7}");
        Files.writeString(dir.resolve("result.json"), "{\"version\":\"0.2.0\",\"state\":\"failed\"}\n");
        Files.writeString(dir.resolve("failed.json"), "[]");
        Files.writeString(dir.resolve("update.log"), "dpkg -i /x.deb\nBERTH_MQTT_PASSWORD=hunter2\n");
        Files.writeString(dir.resolve("updater.log"), "args\n");
        for (String pkg : List.of("download.deb", "previous.deb", ".download.deb.part")) {
            Files.writeString(dir.resolve(pkg), "!<arch>");
        }
        List<String> notes = new ArrayList<>();
        Map<String, byte[]> entries = SupportBundle.agentUpdateRecords(dir, notes);
        assertEquals(List.of("agent-update/pending.json", "agent-update/result.json", "agent-update/failed.json",
                "agent-update/update.log", "agent-update/updater.log"), List.copyOf(entries.keySet()));
        assertEquals("{\"version\":\"0.2.0\",\"state\":\"failed\"}\n",
                new String(entries.get("agent-update/result.json"), StandardCharsets.UTF_8));
        String log = new String(entries.get("agent-update/update.log"), StandardCharsets.UTF_8);
        assertEquals(false, log.contains("hunter2"), log);
        assertEquals(List.of(), notes);
    }
}
