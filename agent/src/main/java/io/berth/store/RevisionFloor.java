package io.berth.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The highest revision this device ever accepted and its content hash, in a small file of its
 * own ({@code revision-floor.json}) apart from the stored document (PROTOCOL.md §3): a lost or
 * corrupt {@code desired.json} never reopens older revisions to a replay. Written after the
 * document it describes, so a crash between the two leaves the floor one revision behind,
 * never ahead of what the device runs.
 */
public record RevisionFloor(long revision, String contentHash) {
    static final String FILE = "revision-floor.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads the floor; empty when there is none, an exception when the file is there but unreadable. */
    static Optional<RevisionFloor> load(Path dir) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(dir.resolve(FILE));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        JsonNode node;
        try {
            node = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IOException(dir.resolve(FILE) + " is corrupt: " + e.getMessage(), e);
        }
        if (node == null || !node.path("revision").canConvertToLong() || node.path("revision").asLong() < 0
                || !node.path("sha256").isTextual()) {
            throw new IOException(dir.resolve(FILE) + " is corrupt: it must be {\"revision\": N, \"sha256\": …}");
        }
        return Optional.of(new RevisionFloor(node.get("revision").asLong(), node.get("sha256").asText()));
    }

    void save(Path dir) throws IOException {
        AtomicFiles.write(dir.resolve(FILE), JSON.writeValueAsBytes(JSON.createObjectNode()
                .put("revision", revision).put("sha256", contentHash)));
    }
}
