package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/** For operator verbs outside this package: a document file resolved as {@code publish} resolves it. */
public final class DocumentFiles {
    private DocumentFiles() {}

    /** The resolved document (Compose YAML or JSON), or null after its errors were printed to {@code err}. */
    public static JsonNode readForSending(Path file, Map<String, String> env, String verb, PrintStream err) {
        return ComposeFile.readForSending(file, env, verb, err);
    }

    /**
     * A Compose project resolved as {@code publish -f A -f B --profile P} resolves it (several files
     * merged, profiles, include, extends, configs and secrets inline): see {@link io.berth.compose.ComposeProject}.
     */
    public static JsonNode readForSending(java.util.List<Path> files, java.util.List<String> profiles,
                                          Map<String, String> env, String verb, PrintStream err) {
        return ComposeFile.readForSending(files, profiles, env, verb, err);
    }
}
