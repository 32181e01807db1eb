package io.berth.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.tinylog.Logger;

/**
 * The images this agent pulled ({@code pulled-images.json} in the state dir): image id to the
 * reference it was pulled as. Only these are ever collected; an image loaded with {@code berth
 * load} or present before is not in it. Written atomically, and only when it changed.
 */
public final class PulledImages {
    public static final String FILE = "pulled-images.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Map<String, String> images = new TreeMap<>();

    /** Reads the record; an unreadable one is treated as empty (then nothing is collected, nothing lost). */
    public PulledImages(Path stateDir) {
        this.file = stateDir.resolve(FILE);
        try {
            JsonNode tree = JSON.readTree(Files.readAllBytes(file)).path("images");
            tree.fields().forEachRemaining(e -> images.put(e.getKey(), e.getValue().asText()));
        } catch (NoSuchFileException e) {
            // nothing pulled yet
        } catch (IOException | RuntimeException e) {
            Logger.warn("cannot read {} ({}); images pulled before are not collected: remove unused ones with "
                    + "docker image prune if the disk runs short", file, e.getMessage());
        }
    }

    /** Image id to the reference it was pulled as. */
    public synchronized Map<String, String> all() {
        return Map.copyOf(images);
    }

    public synchronized void add(String imageId, String reference) throws IOException {
        if (!reference.equals(images.put(imageId, reference))) {
            save();
        }
    }

    public synchronized void remove(String imageId) throws IOException {
        if (images.remove(imageId) != null) {
            save();
        }
    }

    private void save() throws IOException {
        ObjectNode doc = JSON.createObjectNode();
        ObjectNode map = doc.putObject("images");
        images.forEach(map::put);
        AtomicFiles.write(file, (doc.toString() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
