package io.berth.engine.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.engine.EngineException;
import io.berth.engine.docker.EngineCalls.Op;
import io.berth.engine.http.EngineHttp;
import io.berth.engine.http.EngineStatusException;
import io.berth.model.NetworkSpec;
import io.berth.model.VolumeSpec;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The named volumes and networks of the engine: each created from its spec (driver, options,
 * IPAM pools) with the document's labels under the agent's, its options read back, and removed.
 * A removal of one already gone succeeds: the loop asked for a state, and that is the state.
 * What a failure means (a refused spec, an overlapping address pool) is {@link EngineCalls}'s
 * table, so a create says which kind of call it was.
 */
final class VolumesAndNetworks {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final EngineHttp http;
    private final EngineCalls calls;

    VolumesAndNetworks(EngineHttp http, EngineCalls calls) {
        this.http = http;
        this.calls = calls;
    }

    Map<String, String> volumeOptions(String name) throws EngineException {
        return calls.call("inspect volume " + name, () -> {
            JsonNode volume = EngineJson.orNull(() -> http.get("/volumes/" + name));
            return volume == null ? Map.of() : Map.copyOf(EngineJson.strings(volume.path("Options")));
        });
    }

    void createVolume(VolumeSpec volume, Map<String, String> labels) throws EngineException {
        calls.call("create volume " + volume.name(), Op.CREATE, () -> {
            Map<String, String> all = new HashMap<>(volume.labels());
            all.putAll(labels);
            ObjectNode body = JSON.objectNode().put("Name", volume.name());
            EngineJson.putStrings(body, "Labels", all);
            if (volume.driver() != null) {
                body.put("Driver", volume.driver());
            }
            EngineJson.putStringsIfAny(body, "DriverOpts", volume.driverOpts());
            http.send("POST", "/volumes/create", body, DockerEngine.CHANGE_TIMEOUT_MS);
            return null;
        });
    }

    void removeVolume(String name) throws EngineException {
        calls.call("remove volume " + name, () -> {
            removeVolume(http, name);
            return null;
        });
    }

    /** Removes a volume, never forced; one already gone is fine. */
    static void removeVolume(EngineHttp http, String name) throws IOException {
        deleteIfPresent(http, "/volumes/" + name);
    }

    /** A {@code DELETE} of something that may be gone already: that is the state asked for, so fine. */
    static void deleteIfPresent(EngineHttp http, String path) throws IOException {
        try {
            http.send("DELETE", path, null, DockerEngine.CHANGE_TIMEOUT_MS);
        } catch (EngineStatusException e) {
            if (e.status() != 404) {
                throw e;
            }
        }
    }

    void createNetwork(NetworkSpec network, Map<String, String> labels) throws EngineException {
        calls.call("create network " + network.name(), Op.CREATE_NETWORK, () -> {
            Map<String, String> all = new HashMap<>(network.labels());
            all.putAll(labels);
            ObjectNode body = JSON.objectNode().put("Name", network.name()).put("CheckDuplicate", true);
            if (network.driver() != null) {
                body.put("Driver", network.driver());
            }
            body.put("Internal", network.internal()).put("EnableIPv6", network.enableIpv6()).put("Attachable", true);
            EngineJson.putStringsIfAny(body, "Options", network.driverOpts());
            if (network.ipam() != null) {
                body.set("IPAM", ipam(network.ipam()));
            }
            EngineJson.putStrings(body, "Labels", all);
            http.send("POST", "/networks/create", body, DockerEngine.CHANGE_TIMEOUT_MS);
            return null;
        });
    }

    private static ObjectNode ipam(NetworkSpec.Ipam spec) {
        ObjectNode ipam = JSON.objectNode();
        if (spec.driver() != null) {
            ipam.put("Driver", spec.driver());
        }
        var config = ipam.putArray("Config");
        for (NetworkSpec.Pool pool : spec.config()) {
            ObjectNode c = config.addObject().put("Subnet", pool.subnet());
            if (pool.gateway() != null) {
                c.put("Gateway", pool.gateway());
            }
            if (pool.ipRange() != null) {
                c.put("IPRange", pool.ipRange());
            }
        }
        return ipam;
    }

    void removeNetwork(String name) throws EngineException {
        calls.call("remove network " + name, () -> {
            deleteIfPresent(http, "/networks/" + name);
            return null;
        });
    }
}
