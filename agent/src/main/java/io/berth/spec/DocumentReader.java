package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads YAML or JSON files into a tree. YAML is read as Compose reads it: YAML 1.2 core schema
 * (so {@code no} is a string), anchors and {@code <<} merge keys (a map or a list of maps)
 * allowed. JSON is YAML too. Documents over {@link DocumentParser#MAX_BYTES} or nested deeper
 * than {@link DocumentParser#MAX_DEPTH} are refused.
 */
public final class DocumentReader {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String MERGE = "<<";

    private DocumentReader() {}

    public static JsonNode readFile(Path file) throws IOException {
        long size = Files.size(file);
        if (size > DocumentParser.MAX_BYTES) {
            throw new IOException(file + " has " + size + " bytes; the limit is " + DocumentParser.MAX_BYTES
                    + " (1 MiB)");
        }
        return readYaml(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    public static JsonNode readYaml(String text, String source) throws IOException {
        if (text.length() > DocumentParser.MAX_BYTES) {
            throw new IOException(source + " is longer than " + DocumentParser.MAX_BYTES + " characters (1 MiB)");
        }
        LoadSettings settings = LoadSettings.builder()
                .setLabel(source)
                .setAllowDuplicateKeys(false)
                .setMaxAliasesForCollections(200)
                .setAllowRecursiveKeys(false)
                .setCodePointLimit(DocumentParser.MAX_BYTES)
                .build();
        try {
            checkDepth(text, source);
            Object value = new Load(settings).loadFromString(text);
            return MAPPER.valueToTree(merge(value, 0, source));
        } catch (YamlEngineException e) {
            throw new IOException(source + " is not valid YAML or JSON: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // Jackson: a key that is not a string, say
            throw new IOException(source + " cannot be read as a document: " + e.getMessage(), e);
        }
    }

    /** Flow collections can nest deeply in a few bytes: count brackets before the parser recurses. */
    private static void checkDepth(String text, String source) throws IOException {
        int depth = 0;
        int max = 0;
        boolean quoted = false;
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == quote) {
                    quoted = false;
                }
            } else if (c == '"' || c == '\'') {
                quoted = true;
                quote = c;
            } else if (c == '[' || c == '{') {
                max = Math.max(max, ++depth);
            } else if (c == ']' || c == '}') {
                depth--;
            } else if (c == '#' && (i == 0 || Character.isWhitespace(text.charAt(i - 1)))) {
                while (i < text.length() && text.charAt(i) != '\n') {
                    i++;
                }
            }
        }
        if (max > DocumentParser.MAX_DEPTH) {
            throw new IOException(source + " is nested deeper than " + DocumentParser.MAX_DEPTH + " levels");
        }
    }

    /** Resolves {@code <<} merge keys: keys already present win; of several merged maps, earlier ones win. */
    @SuppressWarnings("unchecked")
    private static Object merge(Object value, int depth, String source) {
        if (depth > DocumentParser.MAX_DEPTH) {
            throw new IllegalArgumentException("nested deeper than " + DocumentParser.MAX_DEPTH + " levels");
        }
        if (value instanceof Map<?, ?> map) {
            // merged keys take the place of '<<'; keys written in the map win, earlier merged maps win
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!MERGE.equals(e.getKey())) {
                    out.put(e.getKey(), merge(e.getValue(), depth + 1, source));
                    continue;
                }
                Object merged = e.getValue();
                List<Object> sources = merged instanceof List<?> list ? (List<Object>) list : List.of(merged);
                for (Object m : sources) {
                    if (!(m instanceof Map<?, ?> from)) {
                        throw new IllegalArgumentException("'<<' must merge a map or a list of maps (an anchor "
                                + "such as *base)");
                    }
                    ((Map<Object, Object>) merge(from, depth + 1, source)).forEach((k, v) -> {
                        if (!map.containsKey(k)) {
                            out.putIfAbsent(k, v);
                        }
                    });
                }
            }
            return out;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            list.forEach(v -> out.add(merge(v, depth + 1, source)));
            return out;
        }
        return value;
    }
}
