package io.berth.engine.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.engine.http.EngineStatusException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading the Engine API's JSON answers as trees: absent and null fields alike, and 404 as "none". */
final class EngineJson {
    private EngineJson() {}

    interface Request {
        JsonNode send() throws IOException;
    }

    /** The answer, or null when the engine says there is no such thing (404). */
    static JsonNode orNull(Request request) throws IOException {
        try {
            return request.send();
        } catch (EngineStatusException e) {
            if (e.status() == 404) {
                return null;
            }
            throw e;
        }
    }

    /** A text field, null when absent or JSON null. */
    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    /** Sets {@code field} of {@code node} to an object of these strings, in their order. */
    static ObjectNode putStrings(ObjectNode node, String field, Map<String, String> strings) {
        ObjectNode object = node.putObject(field);
        strings.forEach(object::put);
        return object;
    }

    /** Sets {@code field} of {@code node} to an array of these strings. */
    static void putArray(ObjectNode node, String field, Iterable<String> strings) {
        ArrayNode array = node.putArray(field);
        strings.forEach(array::add);
    }

    /** As {@link #putArray}, leaving {@code field} out when there are no strings. */
    static void putArrayIfAny(ObjectNode node, String field, java.util.Collection<String> strings) {
        if (!strings.isEmpty()) {
            putArray(node, field, strings);
        }
    }

    /** As {@link #putStrings}, leaving {@code field} out when there are none. */
    static void putStringsIfAny(ObjectNode node, String field, Map<String, String> strings) {
        if (!strings.isEmpty()) {
            putStrings(node, field, strings);
        }
    }

    /** An object of strings (labels, options), empty when absent or null; null values left out. */
    static Map<String, String> strings(JsonNode object) {
        if (!object.isObject() || object.size() == 0) {
            return Map.of();
        }
        Map<String, String> map = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> {
            if (!e.getValue().isNull()) {
                map.put(e.getKey(), e.getValue().asText());
            }
        });
        return map;
    }
}
