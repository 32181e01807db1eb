package io.berth.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One service of the desired state, normalized: equivalent spellings in the document
 * (map or list environment, key order, string or list command) give equal records and so
 * an equal {@link #hash()}.
 *
 * @param name          the service's key in the document
 * @param containerName the engine's container name ({@code container_name}, else the service name)
 * @param command       null when the image's default applies
 * @param entrypoint    null when the image's default applies
 * @param state         Berth's {@code state}; not part of the hash, so stopping never recreates
 * @param options       every other Compose key, normalized; {@link ServiceOptions#NONE} when none is set
 */
public record ServiceSpec(String name, String containerName, String image, List<String> command,
                          List<String> entrypoint, SortedMap<String, String> environment,
                          List<PortBinding> ports, List<Mount> mounts, RestartPolicy restart,
                          RunState state, ServiceOptions options) {

    public ServiceSpec(String name, String containerName, String image, List<String> command,
                       List<String> entrypoint, SortedMap<String, String> environment,
                       List<PortBinding> ports, List<Mount> mounts, RestartPolicy restart, RunState state) {
        this(name, containerName, image, command, entrypoint, environment, ports, mounts, restart, state,
                ServiceOptions.NONE);
    }

    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    public ServiceSpec {
        command = Immutables.list(command);
        entrypoint = Immutables.list(entrypoint);
        environment = Immutables.sortedMap(environment);
        ports = List.copyOf(ports);
        mounts = List.copyOf(mounts);
        options = options == null ? ServiceOptions.NONE : options;
    }

    /** The sha256 of the canonical spec, as stored in the {@code berth.hash} label. */
    public String hash() {
        Map<String, Object> canonical = new TreeMap<>();
        canonical.put("containerName", containerName);
        canonical.put("image", image);
        canonical.put("command", command);
        canonical.put("entrypoint", entrypoint);
        canonical.put("environment", environment);
        canonical.put("ports", ports.stream().map(PortBinding::toString).sorted().toList());
        canonical.put("mounts", mounts.stream()
                .map(m -> m.type() + " " + m.bindSpec()).sorted().toList());
        canonical.put("restart", restart.toString());
        // only what is set, so a spec without the newer keys keeps the hash it always had
        @SuppressWarnings("unchecked")
        Map<String, Object> extra = (Map<String, Object>) ServiceOptions.prune(CANONICAL.convertValue(options, Map.class));
        if (!options.networks().isEmpty()) {
            // a network joined with no aliases or addresses prunes to nothing: keep its name, so that
            // moving to another network (or to the default one) recreates the container
            extra = extra == null ? new TreeMap<>() : new TreeMap<>(extra);
            Map<String, Object> networks = new TreeMap<>();
            Object pruned = extra.get("networks");
            options.networks().keySet().forEach(n -> networks.put(n, pruned instanceof Map<?, ?> m && m.containsKey(n)
                    ? m.get(n) : Map.of()));
            extra.put("networks", networks);
        }
        if (extra != null) {
            canonical.put("options", extra);
        }
        try {
            byte[] json = CANONICAL.writeValueAsBytes(canonical);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash service " + name, e);
        }
    }

    public ServiceSpec withState(RunState newState) {
        return new ServiceSpec(name, containerName, image, command, entrypoint, environment, ports, mounts,
                restart, newState, options);
    }

    public ServiceSpec withMounts(List<Mount> newMounts) {
        return new ServiceSpec(name, containerName, image, command, entrypoint, environment, ports, newMounts,
                restart, state, options);
    }

    /** Short form of the canonical spec in text, for logs; carries no secrets (environment values hidden). */
    public String describe() {
        return name + " (" + image + ")";
    }
}
