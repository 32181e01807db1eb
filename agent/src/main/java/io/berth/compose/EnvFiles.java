package io.berth.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.spec.SpecError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A service's {@code env_file}s read into its {@code environment}, as Compose does, before the document is sent. */
final class EnvFiles {

    private EnvFiles() {}

    /**
     * Moves the variables of {@code env_file} under {@code environment} (keys already there win),
     * and fills a key given without a value from the client's variables, as Compose does.
     */
    static void resolve(String path, ObjectNode service, Path dir, Map<String, String> variables,
                                           List<SpecError> errors, List<SpecError> warnings) {
        JsonNode spec = service.remove("env_file");
        List<JsonNode> entries = new ArrayList<>();
        if (spec == null) {
            // no env_file: only the keys without values
        } else if (spec.isArray()) {
            spec.forEach(entries::add);
        } else {
            entries.add(spec);
        }
        Map<String, String> fromFiles = new LinkedHashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            JsonNode entry = entries.get(i);
            String entryPath = path + ".env_file" + (spec.isArray() ? "[" + i + "]" : "");
            String name;
            boolean required = true;
            if (entry.isTextual()) {
                name = entry.asText();
            } else if (entry.isObject() && entry.path("path").isTextual()) {
                name = entry.get("path").asText();
                required = !entry.path("required").isBoolean() || entry.get("required").asBoolean();
            } else {
                errors.add(new SpecError(entryPath, "must be a file name or {path, required}"));
                continue;
            }
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file)) {
                if (required) {
                    errors.add(new SpecError(entryPath, "cannot read " + file + ": no such file (set required: false "
                            + "if it is optional)"));
                }
                continue;
            }
            try {
                fromFiles.putAll(EnvFile.read(file, variables));
            } catch (IOException e) {
                errors.add(new SpecError(entryPath, "cannot read " + file + ": " + e.getMessage()));
            }
        }
        JsonNode given = service.get("environment");
        ObjectNode environment = service.objectNode();
        fromFiles.forEach(environment::put);
        if (given != null && given.isObject()) {
            given.fields().forEachRemaining(e -> environment.set(e.getKey(), e.getValue()));
        } else if (given != null && given.isArray()) {
            for (JsonNode item : given) {
                String text = item.asText();
                int eq = text.indexOf('=');
                if (eq > 0) {
                    environment.put(text.substring(0, eq), text.substring(eq + 1));
                } else {
                    environment.putNull(text);
                }
            }
        } else if (given != null && !given.isNull()) {
            return; // not a map or list: the parser reports it
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = environment.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) {
                String value = variables.get(e.getKey());
                if (value == null) {
                    warnings.add(new SpecError(path + ".environment." + e.getKey(), "has no value and the variable "
                            + e.getKey() + " is not set here: it is left out"));
                    it.remove();
                } else {
                    e.setValue(service.textNode(value));
                }
            }
        }
        service.set("environment", environment);
    }
}
