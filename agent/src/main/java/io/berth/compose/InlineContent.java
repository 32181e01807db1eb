package io.berth.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.spec.DocumentParser;
import io.berth.spec.SpecError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The top-level {@code configs} and {@code secrets}, from {@code file} (relative to the project
 * directory) or {@code environment} (a variable), carried inline as {@code content} so the device
 * needs nothing but the document. Berth has no external store: {@code external} is refused.
 */
final class InlineContent {

    private InlineContent() {}

    static void resolve(ObjectNode doc, Path dir, Map<String, String> variables, List<SpecError> errors) {
        for (String section : List.of("configs", "secrets")) {
            JsonNode all = doc.get(section);
            if (!(all instanceof ObjectNode entries)) {
                continue;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = entries.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String path = section + "." + e.getKey();
                if (!(e.getValue() instanceof ObjectNode entry)) {
                    continue; // the parser says what is wrong
                }
                if (entry.has("file")) {
                    Path file = dir.resolve(entry.remove("file").asText());
                    try {
                        if (Files.size(file) > DocumentParser.MAX_BYTES) {
                            errors.add(new SpecError(path + ".file", file + " is larger than the 1 MiB a document "
                                    + "may hold: put it in a volume, or ship it in a sideload bundle"));
                            continue;
                        }
                        entry.put("content", Files.readString(file, StandardCharsets.UTF_8));
                    } catch (IOException ex) {
                        errors.add(new SpecError(path + ".file", "cannot read " + file + ": " + ex.getMessage()));
                    }
                } else if (entry.has("environment")) {
                    String name = entry.remove("environment").asText();
                    String value = variables.get(name);
                    if (value == null) {
                        errors.add(new SpecError(path + ".environment", "the variable " + name + " is not set here"));
                    } else {
                        entry.put("content", value);
                    }
                }
            }
        }
    }
}
