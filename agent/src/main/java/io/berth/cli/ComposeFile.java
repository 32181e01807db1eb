package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.compose.ComposeProject;
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
        return readForSending(List.of(file), List.of(), environment, verb, err);
    }

    /** @throws IOException when the file cannot be read at all, or is not YAML or JSON */
    static ComposeFile load(Path file, Map<String, String> environment) throws IOException {
        return load(List.of(file), List.of(), environment);
    }

    /** Several files ({@code -f}), merged as Compose does, with the active profiles (PROTOCOL.md §3). */
    static ComposeFile load(List<Path> files, List<String> profiles, Map<String, String> environment)
            throws IOException {
        ComposeProject project = ComposeProject.load(files, profiles, environment);
        return new ComposeFile(project.document(), project.errors(), project.warnings());
    }

    /** {@link #readForSending(Path, Map, String, java.io.PrintStream)} for several files and profiles. */
    static JsonNode readForSending(List<Path> files, List<String> profiles, Map<String, String> environment,
                                   String verb, java.io.PrintStream err) {
        ComposeFile compose;
        try {
            compose = load(files, profiles, environment);
        } catch (IOException e) {
            err.println("berth " + verb + ": " + e.getMessage());
            return null;
        }
        String where = files.get(0).toString();
        compose.warnings().forEach(w -> err.println(where + ": " + w.path() + ": warning: " + w.message()));
        if (!compose.errors().isEmpty()) {
            compose.errors().forEach(e -> err.println(where + ": " + e));
            return null;
        }
        return compose.document();
    }
}
