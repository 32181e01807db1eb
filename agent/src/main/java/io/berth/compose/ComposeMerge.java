package io.berth.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Compose's merge rules for several files ({@code -f a.yml -f b.yml}, an override file) and for
 * {@code extends}: maps merge key by key, the later file winning; a few sequences are unions;
 * {@code environment}, {@code labels} and the like merge as maps whether written as maps or as
 * {@code KEY=VALUE} lists; {@code ports}, {@code volumes}, {@code secrets} and {@code configs}
 * merge by their target; {@code command}, {@code entrypoint} and {@code healthcheck.test} are
 * replaced whole.
 */
final class ComposeMerge {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Service keys whose lists are unions of both files', in order, without duplicates. */
    private static final Set<String> UNIONS = Set.of("expose", "external_links", "dns", "dns_search", "dns_opt",
            "tmpfs", "cap_add", "cap_drop", "security_opt", "group_add", "links", "devices", "volumes_from",
            "device_cgroup_rules", "profiles", "env_file");
    /** Service keys that are maps, also when written as {@code KEY=VALUE} lists. */
    private static final Set<String> KEY_VALUES = Set.of("environment", "labels", "sysctls", "extra_hosts",
            "annotations", "storage_opt");
    /** Service keys of lists merged by target: a later entry replaces the earlier one with the same target. */
    private static final Set<String> BY_TARGET = Set.of("ports", "volumes", "secrets", "configs");

    private ComposeMerge() {}

    /** The later document merged over the earlier one (a new tree; neither is changed). */
    static ObjectNode documents(JsonNode earlier, JsonNode later) {
        ObjectNode out = earlier.deepCopy();
        later.fields().forEachRemaining(e -> {
            JsonNode before = out.get(e.getKey());
            if (e.getKey().equals("services") && before instanceof ObjectNode s && e.getValue().isObject()) {
                ObjectNode services = s.deepCopy();
                e.getValue().fields().forEachRemaining(svc -> {
                    JsonNode base = services.get(svc.getKey());
                    services.set(svc.getKey(), base != null && base.isObject() && svc.getValue().isObject()
                            ? service(base, svc.getValue()) : svc.getValue().deepCopy());
                });
                out.set("services", services);
            } else {
                out.set(e.getKey(), maps(before, e.getValue()));
            }
        });
        return out;
    }

    /** One service merged over another, by Compose's rules for each key. */
    static ObjectNode service(JsonNode earlier, JsonNode later) {
        ObjectNode out = earlier.deepCopy();
        later.fields().forEachRemaining(e -> {
            String key = e.getKey();
            JsonNode before = out.get(key);
            JsonNode now = e.getValue();
            JsonNode merged;
            if (before == null || before.isNull() || now.isNull()) {
                merged = now.deepCopy();
            } else if (UNIONS.contains(key)) {
                merged = union(before, now);
            } else if (KEY_VALUES.contains(key)) {
                merged = maps(asMap(before), asMap(now));
            } else if (BY_TARGET.contains(key) && before.isArray() && now.isArray()) {
                merged = byTarget(key, before, now);
            } else if (key.equals("healthcheck") || key.equals("deploy") || key.equals("logging")
                    || key.equals("networks") || key.equals("depends_on") || key.equals("ulimits")) {
                merged = maps(asNameMap(before), asNameMap(now));
            } else {
                merged = now.deepCopy(); // scalars, command, entrypoint: the later file's
            }
            out.set(key, merged);
        });
        return out;
    }

    /** Maps merged recursively; anything else: the later value. */
    static JsonNode maps(JsonNode earlier, JsonNode later) {
        if (earlier == null || !earlier.isObject() || !later.isObject()) {
            return later.deepCopy();
        }
        ObjectNode out = ((ObjectNode) earlier).deepCopy();
        later.fields().forEachRemaining(e -> {
            // a test or command in a merged map is replaced, not merged
            boolean whole = e.getKey().equals("test") || e.getKey().equals("command");
            out.set(e.getKey(), whole ? e.getValue().deepCopy() : maps(out.get(e.getKey()), e.getValue()));
        });
        return out;
    }

    private static JsonNode union(JsonNode earlier, JsonNode later) {
        ArrayNode out = NODES.arrayNode();
        for (JsonNode list : new JsonNode[] {earlier, later}) {
            if (list.isArray()) {
                list.forEach(item -> {
                    if (!contains(out, item)) {
                        out.add(item.deepCopy());
                    }
                });
            } else if (!contains(out, list)) {
                out.add(list.deepCopy());
            }
        }
        return out;
    }

    private static boolean contains(ArrayNode list, JsonNode item) {
        for (JsonNode i : list) {
            if (i.equals(item)) {
                return true;
            }
        }
        return false;
    }

    /** {@code KEY=VALUE} lists as maps; maps as they are. */
    private static JsonNode asMap(JsonNode node) {
        if (!node.isArray()) {
            return node;
        }
        ObjectNode map = NODES.objectNode();
        node.forEach(item -> {
            String text = item.asText();
            int eq = text.indexOf('=');
            int sep = eq >= 0 ? eq : text.indexOf(':');
            if (sep > 0 && eq >= 0) {
                map.put(text.substring(0, sep), text.substring(sep + 1));
            } else if (sep > 0) {
                map.put(text.substring(0, sep), text.substring(sep + 1)); // extra_hosts HOST:IP
            } else {
                map.putNull(text);
            }
        });
        return map;
    }

    /** A list of names (networks, depends_on) as a map of name to null. */
    private static JsonNode asNameMap(JsonNode node) {
        if (!node.isArray()) {
            return node;
        }
        ObjectNode map = NODES.objectNode();
        node.forEach(item -> map.putNull(item.asText()));
        return map;
    }

    private static JsonNode byTarget(String key, JsonNode earlier, JsonNode later) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (JsonNode list : new JsonNode[] {earlier, later}) {
            for (Iterator<JsonNode> it = list.elements(); it.hasNext(); ) {
                JsonNode item = it.next();
                out.put(target(key, item), item.deepCopy());
            }
        }
        ArrayNode array = NODES.arrayNode();
        out.values().forEach(array::add);
        return array;
    }

    /** What identifies an entry: a mount's container path, a port's published/target/protocol, a secret's target. */
    static String target(String key, JsonNode item) {
        if (item.isObject()) {
            return switch (key) {
                case "ports" -> item.path("host_ip").asText("") + ":" + item.path("published").asText("") + ":"
                        + item.path("target").asText() + "/" + item.path("protocol").asText("tcp");
                case "volumes" -> item.path("target").asText();
                default -> item.path("target").isMissingNode() ? item.path("source").asText()
                        : item.path("target").asText();
            };
        }
        String text = item.asText();
        return switch (key) {
            case "volumes" -> {
                String[] parts = text.split(":");
                yield parts.length == 1 ? parts[0] : parts[1];
            }
            case "ports" -> text.contains("/") ? text : text + "/tcp";
            default -> text;
        };
    }
}
