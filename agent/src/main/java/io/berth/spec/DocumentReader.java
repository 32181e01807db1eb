package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads YAML or JSON files into a tree. YAML is read as Compose reads it: YAML 1.2 core schema
 * (so {@code no} is a string), anchors and merge keys allowed. JSON is YAML too.
 */
public final class DocumentReader {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private DocumentReader() {}

    public static JsonNode readFile(Path file) throws IOException {
        return readYaml(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    public static JsonNode readYaml(String text, String source) throws IOException {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(source)
                .setAllowDuplicateKeys(false)
                .setMaxAliasesForCollections(200)
                .build();
        try {
            Object value = new Load(settings).loadFromString(text);
            return MAPPER.valueToTree(value);
        } catch (YamlEngineException e) {
            throw new IOException(source + " is not valid YAML or JSON: " + e.getMessage(), e);
        }
    }
}
