package io.berth.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.model.DeviceLabels;
import io.berth.spec.DocumentReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the agent's config files into flat keys: the file named by {@code --config}, then the
 * files {@code config.d/*.yaml} beside it in name order (a later file's key wins). Each file is
 * YAML or JSON, its keys nested ({@code mqtt: {url: ...}}) or dotted ({@code mqtt.url: ...});
 * a key the agent does not know is refused with the list of known ones, and the {@code labels}
 * map is checked here and kept whole as {@code k=v,k=v}, so an error names the label as the file
 * spells it. {@link ConfigLoader} merges what this returns with the profile and the environment.
 */
final class ConfigFiles {
    private ConfigFiles() {}

    /** The file, then {@code config.d/*.yaml} beside it in name order; a later file's key wins. */
    static Map<String, String> read(Path file, Set<String> knownKeys) throws ConfigException {
        Map<String, String> merged = new TreeMap<>(readFile(file, knownKeys));
        Path dir = file.toAbsolutePath().resolveSibling("config.d");
        if (Files.isDirectory(dir)) {
            List<Path> parts;
            try (var list = Files.list(dir)) {
                parts = list.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
            } catch (IOException e) {
                throw new ConfigException("cannot list " + dir + ": " + e.getMessage(), e);
            }
            for (Path part : parts) {
                merged.putAll(readFile(part, knownKeys));
            }
        }
        return merged;
    }

    private static Map<String, String> readFile(Path file, Set<String> knownKeys) throws ConfigException {
        if (!Files.isReadable(file)) {
            throw new ConfigException("cannot read the config file " + file
                    + (Files.exists(file) ? ": permission denied" : ": no such file"));
        }
        JsonNode tree;
        try {
            tree = DocumentReader.readFile(file);
        } catch (IOException e) {
            throw new ConfigException("cannot read the config file " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> flat = new TreeMap<>();
        if (tree == null || tree.isNull()) {
            return flat;
        }
        if (!tree.isObject()) {
            throw new ConfigException("the config file " + file + " must hold a map of keys");
        }
        List<String> unknown = new ArrayList<>();
        JsonNode labels = ((ObjectNode) tree).remove("labels");
        flatten("", tree, flat);
        if (labels != null && !labels.isNull()) {
            flat.put("labels", labelText(labels, file));
        }
        for (String key : flat.keySet()) {
            if (!knownKeys.contains(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException("the config file " + file + " has unknown keys " + unknown + "; known keys: "
                    + String.join(", ", knownKeys));
        }
        return flat;
    }

    /**
     * The labels map of the file as {@code k=v,k=v} (what {@code BERTH_LABELS} holds), after
     * checking each one here, so an error names the label as the file spells it.
     */
    private static String labelText(JsonNode labels, Path file) throws ConfigException {
        if (labels.isTextual()) {
            return labels.asText();
        }
        if (!labels.isObject()) {
            throw new ConfigException("labels in " + file + " must be a map of label keys to values (tier: canary)");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (var it = labels.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isValueNode()) {
                throw new ConfigException("label '" + e.getKey() + "' in " + file + " must be a plain value, not a "
                        + (e.getValue().isObject() ? "map" : "list"));
            }
            map.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText());
        }
        try {
            Map<String, String> valid = DeviceLabels.validate(map);
            StringBuilder text = new StringBuilder();
            valid.forEach((k, v) -> text.append(text.length() == 0 ? "" : ",").append(k).append('=').append(v));
            return text.toString();
        } catch (IllegalArgumentException e) {
            throw new ConfigException("device labels in " + file + ": " + e.getMessage(), e);
        }
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(),
                    e.getValue(), out));
        } else if (!node.isNull()) {
            out.put(prefix, node.asText());
        }
    }
}
