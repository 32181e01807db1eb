package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.NetworkSpec;
import io.berth.model.VolumeSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The top-level {@code volumes} and {@code networks}: what Berth creates (or finds, where
 * {@code external}), keyed by the engine's name, and each key's engine name recorded for the
 * services that refer to it.
 */
final class NetworkAndVolumeSections {

    private NetworkAndVolumeSections() {}

    static void volumes(Reader r, DocumentContext doc, JsonNode node, SortedMap<String, VolumeSpec> out) {
        if (node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            r.error("volumes", "must be a map of volume name to options, found " + Reader.describe(node));
            return;
        }
        node.fields().forEachRemaining(e -> {
            String path = "volumes." + e.getKey();
            if (!ServiceReader.NAME.matcher(e.getKey()).matches()) {
                r.error(path, "'" + e.getKey() + "' is not a valid volume name: use letters, digits, '_', '.', '-'");
                return;
            }
            String[] name = {e.getKey(), null}; // engine name, driver
            boolean[] external = {false};
            SortedMap<String, String> driverOpts = new TreeMap<>();
            SortedMap<String, String> labels = new TreeMap<>();
            JsonNode options = e.getValue();
            if (options != null && !options.isNull() && !options.isObject()) {
                r.error(path, "must be a map of options or {}, found " + Reader.describe(options));
                return;
            }
            if (options != null && !options.isNull() && !r.fields(path, options, "driver, driver_opts, labels, name, "
                    + "external, or {}", (key, p, v) -> {
                        switch (key) {
                            case "driver" -> name[1] = r.string(p, v);
                            case "driver_opts" -> driverOpts.putAll(r.stringMap(p, v));
                            case "labels" -> labels.putAll(r.keyValues(p, v, false));
                            case "name" -> {
                                String given = r.string(p, v);
                                if (given != null && !BasicKeys.CONTAINER_NAME.matcher(given).matches()) {
                                    r.error(p, "'" + given + "' is not a volume name the engine takes: at least "
                                            + "two characters, letters, digits, '_', '.', '-'");
                                } else if (given != null) {
                                    name[0] = given;
                                }
                            }
                            case "external" -> external[0] = r.bool(p, v);
                            default -> {
                                if (!key.startsWith("x-")) {
                                    r.error(p, "'" + key + "' is not a volume option Berth takes "
                                            + "(driver, driver_opts, labels, name, external): remove it");
                                }
                            }
                        }
                    })) {
                return;
            }
            if (external[0] && (name[1] != null || !driverOpts.isEmpty())) {
                r.error(path, "an external volume is not created by Berth: remove driver and driver_opts");
            }
            doc.volumeNames.put(e.getKey(), name[0]);
            // keyed by the engine's name, as reports and the planner know volumes
            out.put(name[0], new VolumeSpec(name[0], name[1], driverOpts, labels, external[0]));
        });
    }

    static void networks(Reader r, DocumentContext doc, JsonNode node, SortedMap<String, NetworkSpec> out) {
        if (node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            r.error("networks", "must be a map of network name to options, found " + Reader.describe(node));
            return;
        }
        node.fields().forEachRemaining(e -> {
            NetworkSpec network = network(r, doc, e.getKey(), e.getValue());
            if (network != null) {
                doc.networkNames.put(e.getKey(), network.name());
                out.put(e.getKey(), network);
            }
        });
    }

    private static NetworkSpec network(Reader r, DocumentContext doc, String key, JsonNode options) {
        String path = "networks." + key;
        if (!ServiceReader.NAME.matcher(key).matches()) {
            r.error(path, "'" + key + "' is not a valid network name: use letters, digits, '_', '.', '-'");
            return null;
        }
        if (Set.of("bridge", "host", "none").contains(key)) {
            r.error(path, "'" + key + "' is the engine's own network: use network_mode: " + key
                    + " in the service instead, or give the network another name");
            return null;
        }
        String[] s = {key.equals(DocumentContext.DEFAULT_NETWORK) ? doc.defaultNetworkName() : key, null};
        boolean[] flags = new boolean[3]; // external, internal, enable_ipv6
        SortedMap<String, String> driverOpts = new TreeMap<>();
        SortedMap<String, String> labels = new TreeMap<>();
        NetworkSpec.Ipam[] ipam = {null};
        if (options != null && !options.isNull() && !options.isObject()) {
            r.error(path, "must be a map of options or {}, found " + Reader.describe(options));
            return null;
        }
        if (options != null && !options.isNull() && !r.fields(path, options, "driver, driver_opts, labels, name, "
                + "external, internal, enable_ipv6, ipam, or {}", (option, p, v) -> {
                    switch (option) {
                        case "driver" -> s[1] = r.string(p, v);
                        case "driver_opts" -> driverOpts.putAll(r.stringMap(p, v));
                        case "labels" -> labels.putAll(r.keyValues(p, v, false));
                        case "name" -> {
                            String given = r.string(p, v);
                            if (given != null && !ServiceReader.NAME.matcher(given).matches()) {
                                r.error(p, "'" + given + "' is not a network name the engine takes");
                            } else if (given != null) {
                                s[0] = given;
                            }
                        }
                        case "external" -> flags[0] = r.bool(p, v);
                        case "internal" -> flags[1] = r.bool(p, v);
                        case "enable_ipv6" -> flags[2] = r.bool(p, v);
                        case "attachable" -> r.bool(p, v); // always attachable on one engine
                        case "ipam" -> ipam[0] = ipam(r, p, v);
                        default -> r.unknownKey(path, option);
                    }
                })) {
            return null;
        }
        if (flags[0] && (s[1] != null || !driverOpts.isEmpty() || ipam[0] != null)) {
            r.error(path, "an external network is not created by Berth: remove driver, driver_opts and ipam");
        }
        return new NetworkSpec(key, s[0], s[1], driverOpts, labels, flags[0], flags[1], flags[2], ipam[0]);
    }

    private static NetworkSpec.Ipam ipam(Reader r, String path, JsonNode value) {
        String[] driver = {null};
        List<NetworkSpec.Pool> pools = new ArrayList<>();
        boolean map = r.fields(path, value, "driver, config", (key, p, v) -> {
            switch (key) {
                case "driver" -> driver[0] = r.string(p, v);
                case "config" -> r.list(p, v, false, (cp, c) -> {
                    if (!c.isObject() || !c.path("subnet").isTextual()) {
                        r.error(cp, "must be a map with 'subnet' (and optionally 'gateway', 'ip_range')");
                        return;
                    }
                    String[] pool = new String[3];
                    r.fields(cp, c, "subnet, gateway, ip_range", (k, kp, kv) -> {
                        switch (k) {
                            case "subnet" -> pool[0] = r.string(kp, kv);
                            case "gateway" -> pool[1] = r.string(kp, kv);
                            case "ip_range" -> pool[2] = r.string(kp, kv);
                            default -> r.unknownKey(cp, k);
                        }
                    });
                    pools.add(new NetworkSpec.Pool(pool[0], pool[1], pool[2]));
                });
                default -> r.unknownKey(path, key);
            }
        });
        return map ? new NetworkSpec.Ipam(driver[0], pools) : null;
    }
}
