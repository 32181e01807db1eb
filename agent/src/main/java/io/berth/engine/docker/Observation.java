package io.berth.engine.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.EngineException;
import io.berth.engine.http.EngineHttp;
import io.berth.model.ContainerStatus;
import io.berth.model.Health;
import io.berth.model.Labels;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedNetwork;
import io.berth.model.ObservedState;
import io.berth.model.ObservedVolume;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What runs on the engine, as the planner sees it: Berth's containers, volumes, networks and
 * images. Read with Berth's own {@link EngineHttp} into JSON trees, not docker-java's models: it
 * runs on every pass (each event, each resync), and binding the engine's answers to docker-java's
 * model classes kept their Jackson introspection in the heap for nothing.
 */
final class Observation {
    private final EngineHttp http;
    private final Map<String, String> ownership;
    private final EngineCalls calls;

    Observation(EngineHttp http, Map<String, String> ownership, EngineCalls calls) {
        this.http = http;
        this.ownership = ownership;
        this.calls = calls;
    }

    ObservedState observe(Set<String> images, Set<String> containerNames, Set<String> volumeNames)
            throws EngineException {
        return calls.call("list containers, volumes and images", () -> {
            List<ObservedContainer> containers = new ArrayList<>();
            for (JsonNode c : http.get("/containers/json?all=1")) {
                Map<String, String> labels = EngineJson.strings(c.path("Labels"));
                JsonNode names = c.path("Names");
                String id = c.path("Id").asText();
                String name = names.size() == 0 ? id : names.get(0).asText().substring(1);
                boolean managed = Labels.owned(labels, ownership);
                if (managed || containerNames.contains(name)) {
                    ObservedContainer observed = inspect(id, name, managed, labels);
                    if (observed != null) {
                        containers.add(observed);
                    }
                }
            }
            Map<String, ObservedVolume> volumes = new LinkedHashMap<>();
            for (JsonNode v : http.get("/volumes").path("Volumes")) {
                Map<String, String> labels = EngineJson.strings(v.path("Labels"));
                String name = v.path("Name").asText();
                boolean managed = Labels.owned(labels, ownership);
                if (managed || volumeNames.contains(name)) {
                    volumes.put(name, new ObservedVolume(name, managed, labels.get(Labels.SERVICE),
                            labels.containsKey(Labels.ANONYMOUS)));
                }
            }
            Map<String, String> imageIds = new HashMap<>();
            for (String image : images) {
                JsonNode inspected = EngineJson.orNull(() -> http.get("/images/" + image + "/json"));
                if (inspected != null) { // else not pulled yet
                    imageIds.put(image, inspected.path("Id").asText());
                }
            }
            Map<String, ObservedNetwork> networks = new LinkedHashMap<>();
            for (JsonNode n : http.get("/networks")) {
                Map<String, String> labels = EngineJson.strings(n.path("Labels"));
                boolean inUse = n.path("Containers").size() > 0;
                if (!inUse && Labels.owned(labels, ownership)) {
                    // the list does not always carry the attached containers: ask the network itself
                    JsonNode inspected = EngineJson.orNull(() -> http.get("/networks/" + n.path("Id").asText()));
                    if (inspected == null) {
                        continue; // gone meanwhile
                    }
                    inUse = inspected.path("Containers").size() > 0;
                }
                String name = n.path("Name").asText();
                networks.put(name, new ObservedNetwork(name, Labels.owned(labels, ownership), inUse));
            }
            return new ObservedState(containers, volumes, imageIds, networks);
        });
    }

    private ObservedContainer inspect(String id, String name, boolean managed, Map<String, String> labels)
            throws IOException {
        JsonNode r = EngineJson.orNull(() -> http.get("/containers/" + id + "/json"));
        if (r == null) {
            return null; // removed between list and inspect
        }
        JsonNode s = r.path("State");
        String status = EngineJson.text(s, "Status");
        String health = EngineJson.text(s.path("Health"), "Status");
        Integer exitCode = "created".equals(status) || s.path("Running").asBoolean(false) || !s.path("ExitCode").isNumber()
                ? null : s.path("ExitCode").asInt();
        long revision = parseLong(labels.get(Labels.REVISION));
        Map<String, String> volumes = new LinkedHashMap<>();
        for (JsonNode mount : r.path("Mounts")) {
            String volume = EngineJson.text(mount, "Name");
            String destination = EngineJson.text(mount, "Destination");
            if (volume != null && destination != null) {
                volumes.put(destination, volume);
            }
        }
        return new ObservedContainer(id, name, managed, labels.get(Labels.SERVICE), labels.get(Labels.HASH), revision,
                ContainerStatus.of(status), Health.of(health), exitCode,
                startedAt(EngineJson.text(s, "StartedAt")), r.path("RestartCount").asInt(0),
                EngineJson.text(r.path("Config"), "Image"), EngineJson.text(r, "Image"),
                s.path("OOMKilled").asBoolean(false), volumes);
    }

    private static String startedAt(String value) {
        return value == null || value.startsWith("0001-") ? null : value;
    }

    private static long parseLong(String value) {
        try {
            return value == null ? 0 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
