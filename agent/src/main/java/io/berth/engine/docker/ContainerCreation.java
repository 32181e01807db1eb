package io.berth.engine.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.engine.EngineException;
import io.berth.engine.http.EngineHttp;
import io.berth.model.Labels;
import io.berth.model.ServiceSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Creating a service's container: its settings, its networks, and its anonymous volumes kept across recreations. */
final class ContainerCreation {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final EngineHttp http;
    private final Map<String, String> ownership;
    private final EngineCalls calls;

    ContainerCreation(EngineHttp http, Map<String, String> ownership, EngineCalls calls) {
        this.http = http;
        this.ownership = ownership;
        this.calls = calls;
    }

    String createContainer(ServiceSpec spec, Map<String, String> inheritedVolumes, Map<String, String> labels)
            throws EngineException {
        return calls.call("create container " + spec.containerName() + " for service " + spec.name(), EngineCalls.Op.CREATE, () -> {
            List<String> made = new ArrayList<>();
            try {
                ContainerSettings settings = ContainerSettings.of(spec, labels, anonymousVolumes(spec, inheritedVolumes, made));
                String id = http.send("POST", settings.path(), settings.body(), DockerEngine.CHANGE_TIMEOUT_MS)
                        .path("Id").asText();
                try {
                    // API 1.41 attaches one network at create; the others before the first start
                    for (var extra : settings.extraNetworks().entrySet()) {
                        ObjectNode connect = JSON.objectNode().put("Container", id);
                        connect.set("EndpointConfig", extra.getValue());
                        http.send("POST", "/networks/" + extra.getKey() + "/connect", connect,
                                DockerEngine.CHANGE_TIMEOUT_MS);
                    }
                } catch (IOException | RuntimeException e) {
                    DockerEngine.removeContainer(http, id);
                    throw e;
                }
                return id;
            } catch (IOException | RuntimeException e) {
                // the anonymous volumes made for this attempt would otherwise leak on every retry
                for (String volume : made) {
                    try {
                        VolumesAndNetworks.removeVolume(http, volume);
                    } catch (IOException | RuntimeException left) {
                        e.addSuppressed(left);
                    }
                }
                throw e;
            }
        });
    }

    /**
     * The volume for each anonymous mount of the container: the predecessor's where it had an
     * anonymous one at that path (labelled {@link Labels#ANONYMOUS}, or one the engine made
     * without a name; never a named volume the previous revision mounted there), else a new
     * volume labelled as this service's (so it is reported as an orphan once nothing uses it,
     * never lost track of or removed silently), noted in {@code made}.
     */
    private Map<String, String> anonymousVolumes(ServiceSpec spec, Map<String, String> inherited, List<String> made)
            throws IOException {
        Set<String> imageVolumes = new LinkedHashSet<>();
        http.get("/images/" + spec.image() + "/json").path("Config").path("Volumes").fieldNames()
                .forEachRemaining(imageVolumes::add);
        Map<String, String> volumes = new LinkedHashMap<>();
        for (String path : AnonymousVolumes.paths(spec, imageVolumes)) {
            String name = inherited.get(path);
            if (name != null && !anonymous(name)) {
                name = null;
            }
            if (name == null) {
                Map<String, String> labels = new HashMap<>(ownership);
                labels.put(Labels.SERVICE, spec.name());
                labels.put(Labels.ANONYMOUS, path);
                ObjectNode volume = JSON.objectNode();
                EngineJson.putStrings(volume, "Labels", labels);
                name = http.send("POST", "/volumes/create", volume, DockerEngine.CHANGE_TIMEOUT_MS).path("Name").asText();
                made.add(name);
            }
            volumes.put(path, name);
        }
        return volumes;
    }

    /** Whether a mounted volume is an anonymous one: Berth's label, or a name the engine chose. */
    private boolean anonymous(String name) throws IOException {
        if (AnonymousVolumes.engineNamed(name)) {
            return true;
        }
        JsonNode volume = EngineJson.orNull(() -> http.get("/volumes/" + name));
        return volume != null && volume.path("Labels").has(Labels.ANONYMOUS);
    }
}
