package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.spec.DocumentParser;
import io.berth.spec.DocumentReader;
import io.berth.spec.Interpolation;
import io.berth.spec.SpecError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A desired document or Compose file as a user wrote it, resolved the way the {@code berth}
 * client sends documents (PROTOCOL.md §3): read as YAML 1.2 or JSON, variables interpolated from
 * the environment and a {@code .env} file beside it (the environment wins), and each service's
 * {@code env_file} read into its {@code environment} (which wins). Used by {@code validate}, and
 * meant for {@code apply}, {@code publish} and {@code bundle}.
 *
 * @param document the resolved document, ready for the parser
 * @param errors   what failed while resolving (a {@code ${VAR:?message}}, an env_file that cannot be read)
 * @param warnings unset variables and the like
 */
record ComposeFile(JsonNode document, List<SpecError> errors, List<SpecError> warnings) {

    /**
     * Reads a document for a verb that sends it on (apply, publish, bundle): interpolated and
     * env_file resolved as Compose does, warnings printed as {@code path: warning: message}.
     * Prints the errors and returns null when it cannot be sent.
     */
    static JsonNode readForSending(Path file, Map<String, String> environment, String verb,
                                   java.io.PrintStream err) {
        ComposeFile compose;
        try {
            compose = load(file, environment);
        } catch (IOException e) {
            err.println("berth " + verb + ": " + e.getMessage());
            return null;
        }
        compose.warnings().forEach(w -> err.println(file + ": " + w.path() + ": warning: " + w.message()));
        if (!compose.errors().isEmpty()) {
            compose.errors().forEach(e -> err.println(file + ": " + e));
            return null;
        }
        return compose.document();
    }

    /** @throws IOException when the file cannot be read at all, or is not YAML or JSON */
    static ComposeFile load(Path file, Map<String, String> environment) throws IOException {
        JsonNode raw = DocumentReader.readFile(file);
        Path dir = file.toAbsolutePath().getParent();
        Map<String, String> variables = new HashMap<>();
        Path dotEnv = dir.resolve(".env");
        if (Files.isRegularFile(dotEnv)) {
            variables.putAll(readEnvFile(dotEnv));
        }
        variables.putAll(environment);
        Interpolation.Result interpolated = Interpolation.apply(raw, variables);
        List<SpecError> errors = new ArrayList<>(interpolated.errors());
        List<SpecError> warnings = new ArrayList<>(interpolated.warnings());
        JsonNode document = interpolated.document();
        JsonNode services = document == null ? null : document.get("services");
        if (services != null && services.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> service = it.next();
                if (service.getValue() instanceof ObjectNode node
                        && (node.has("env_file") || node.has("environment"))) {
                    resolveEnvironment("services." + service.getKey(), node, dir, variables, errors, warnings);
                }
            }
        }
        return new ComposeFile(document, errors, warnings);
    }

    /**
     * Moves the variables of {@code env_file} under {@code environment} (keys already there win),
     * and fills a key given without a value from the client's variables, as Compose does.
     */
    private static void resolveEnvironment(String path, ObjectNode service, Path dir, Map<String, String> variables,
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
                fromFiles.putAll(readEnvFile(file));
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

    /**
     * A {@code .env} / env_file: {@code KEY=VALUE} lines, {@code #} comments, an optional
     * {@code export }, single quotes literal, double quotes with {@code \n \" \\} escapes.
     */
    static Map<String, String> readEnvFile(Path file) throws IOException {
        if (Files.size(file) > DocumentParser.MAX_BYTES) {
            throw new IOException(file + " is larger than 1 MiB");
        }
        Map<String, String> values = new LinkedHashMap<>();
        int number = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            number++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            if (l.startsWith("export ")) {
                l = l.substring(7).strip();
            }
            int eq = l.indexOf('=');
            if (eq <= 0) {
                throw new IOException("line " + number + " of " + file + " is not KEY=VALUE");
            }
            String key = l.substring(0, eq).strip();
            String value = l.substring(eq + 1).strip();
            if (value.length() >= 2 && value.startsWith("'") && value.endsWith("'")) {
                value = value.substring(1, value.length() - 1);
            } else if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1).replace("\\n", "\n").replace("\\\"", "\"")
                        .replace("\\\\", "\\");
            } else {
                int comment = value.indexOf(" #");
                if (comment >= 0) {
                    value = value.substring(0, comment).strip();
                }
            }
            values.put(key, value);
        }
        return values;
    }
}
