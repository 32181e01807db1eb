package io.berth.engine.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.EngineException;
import io.berth.engine.EngineInfo;
import io.berth.engine.LocalImage;
import io.berth.engine.http.EngineHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The engine's read-only answers the agent asks for on its own (images, the data root, version,
 * architectures), read with Berth's own {@link EngineHttp} into JSON trees:
 * no docker-java model classes and no Jackson bean introspection for them.
 */
final class EngineQueries {
    private final EngineHttp http;
    private final EngineCalls calls;
    private volatile String engineArch;

    EngineQueries(EngineHttp http, EngineCalls calls) {
        this.http = http;
        this.calls = calls;
    }

    LocalImage image(String reference) throws EngineException {
        return calls.call("inspect image " + reference, () -> {
            JsonNode inspected = EngineJson.orNull(() -> http.get("/images/" + reference + "/json"));
            if (inspected == null) {
                return null;
            }
            List<String> tags = new ArrayList<>();
            inspected.path("RepoTags").forEach(t -> tags.add(t.asText()));
            return new LocalImage(inspected.path("Id").asText(), inspected.path("Size").asLong(0), tags);
        });
    }

    Set<String> imagesInUse() throws EngineException {
        return calls.call("list the images of containers", () -> {
            Set<String> ids = new HashSet<>();
            for (JsonNode c : http.get("/containers/json?all=1")) {
                String id = EngineJson.text(c, "ImageID");
                if (id != null) {
                    ids.add(id);
                }
            }
            return ids;
        });
    }

    String dataRoot() throws EngineException {
        return calls.call("read the engine's data root", () -> EngineJson.text(http.get("/info"), "DockerRootDir"));
    }

    EngineInfo info() throws EngineException {
        return calls.call("read the engine version", () -> {
            JsonNode version = http.get("/version");
            String arch = EngineJson.text(http.get("/info"), "Architecture");
            return new EngineInfo(EngineJson.text(version, "Version"), EngineJson.text(version, "ApiVersion"), arch);
        });
    }

    /** Why the engine cannot run this container's image (its architecture), or null. */
    String foreignImage(String containerId) throws IOException {
        String imageId = EngineJson.text(http.get("/containers/" + containerId + "/json"), "Image");
        String imageArch = EngineJson.text(http.get("/images/" + imageId + "/json"), "Architecture");
        if (engineArch == null) {
            engineArch = EngineJson.text(http.get("/info"), "Architecture");
        }
        return Architectures.cannotRun(imageArch, engineArch, binfmtHandlers());
    }

    private static Set<String> binfmtHandlers() {
        try (var entries = Files.list(Path.of("/proc/sys/fs/binfmt_misc"))) {
            return entries.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }
}
