package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The one path-aware reader of document values: every reader takes the JSON path of the value
 * it reads, and a value that does not fit is an error at that path (with what was found and
 * what to write), collected here. Readers return null (or an empty collection) after an error,
 * so the caller goes on and more errors are found in one pass.
 */
final class Reader {
    final List<SpecError> errors = new ArrayList<>();
    final List<SpecError> warnings = new ArrayList<>();

    /** Reads one item of a list, or one field of a map, at its path. */
    interface ItemReader {
        void read(String path, JsonNode item);
    }

    /** Reads one field of a map: its key, its path and its value. */
    interface FieldReader {
        void read(String key, String path, JsonNode value);
    }

    void error(String path, String message) {
        errors.add(new SpecError(path, message));
    }

    void warning(String path, String message) {
        warnings.add(new SpecError(path, message));
    }

    /** An unknown key: an error, except extension fields {@code x-*}, which are ignored anywhere. */
    void unknownKey(String parent, String key) {
        if (key.startsWith("x-")) {
            return;
        }
        error(join(parent, key), "unknown key '" + key + "': check its spelling against docs/desired-state.md, "
                + "or remove it");
    }

    static String join(String parent, String key) {
        return parent.isEmpty() ? key : parent + "." + key;
    }

    /**
     * Each field of a map, in document order. Not a map: an error saying what it should hold
     * ({@code shape}, e.g. "driver, options"), and false.
     */
    boolean fields(String path, JsonNode value, String shape, FieldReader reader) {
        if (value == null || !value.isObject()) {
            error(path, "must be a map (" + shape + "), found " + describe(value));
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            reader.read(f.getKey(), join(path, f.getKey()), f.getValue());
        }
        return true;
    }

    /** A list; where {@code scalarToo}, a single scalar stands for a list of one, as Compose allows. */
    void list(String path, JsonNode value, boolean scalarToo, ItemReader reader) {
        if (value == null || value.isNull()) {
            return;
        }
        if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                reader.read(path + "[" + i + "]", value.get(i));
            }
        } else if (scalarToo && value.isValueNode()) {
            reader.read(path, value);
        } else {
            error(path, "must be a list, found " + describe(value));
        }
    }

    /** A list of strings (numbers taken as their text where {@code scalars}). */
    List<String> strings(String path, JsonNode value, boolean scalarToo) {
        List<String> out = new ArrayList<>();
        list(path, value, scalarToo, (p, v) -> {
            String s = scalar(p, v);
            if (s != null) {
                out.add(s);
            }
        });
        return out;
    }

    String string(String path, JsonNode value) {
        if (value != null && value.isTextual()) {
            return value.asText();
        }
        error(path, "must be a string, found " + describe(value));
        return null;
    }

    /** A string, or a number taken as its text (a user id, a port). */
    String scalar(String path, JsonNode value) {
        if (value != null && (value.isTextual() || value.isNumber())) {
            return value.asText();
        }
        error(path, "must be a string, found " + describe(value));
        return null;
    }

    boolean bool(String path, JsonNode value) {
        if (value != null && value.isBoolean()) {
            return value.asBoolean();
        }
        String hint = value != null && value.isTextual() && value.asText().matches("(?i)yes|no|on|off|y|n|true|false")
                ? " (YAML 1.2 reads '" + value.asText() + "' as a string: write true or false)" : "";
        error(path, "must be true or false, found " + describe(value) + hint);
        return false;
    }

    /** A whole number from {@code min} to {@code max}; a numeric string is taken too, as Compose does. */
    Long integer(String path, JsonNode value, long min, long max) {
        Long n = null;
        if (value != null && value.isIntegralNumber() && value.canConvertToLong()) {
            n = value.asLong();
        } else if (value != null && value.isTextual() && value.asText().strip().matches("-?\\d{1,18}")) {
            n = Long.parseLong(value.asText().strip());
        }
        if (n == null || n < min || n > max) {
            error(path, "must be a whole number from " + min + " to " + max + ", found " + describe(value));
            return null;
        }
        return n;
    }

    Long size(String path, JsonNode value) {
        Long bytes = Values.size(value);
        if (bytes == null) {
            error(path, describe(value) + " is not a size: write a number of bytes or use a unit, e.g. 512m, 1g, 64k");
        }
        return bytes;
    }

    Long duration(String path, JsonNode value) {
        Long nanos = Values.durationNanos(value);
        if (nanos == null) {
            error(path, describe(value) + " is not a duration: write it like 500ms, 10s, 1m30s or 2h");
        }
        return nanos;
    }

    Long cpus(String path, JsonNode value) {
        Long nanos = Values.nanoCpus(value);
        if (nanos == null) {
            error(path, describe(value) + " is not a number of cpus: write a number above 0, e.g. 0.5 or 2");
        }
        return nanos;
    }

    /** A map of strings (driver options); numbers and booleans become strings. */
    SortedMap<String, String> stringMap(String path, JsonNode value) {
        SortedMap<String, String> map = new TreeMap<>();
        if (value == null || !value.isObject()) {
            error(path, "must be a map of strings, found " + describe(value));
            return map;
        }
        value.fields().forEachRemaining(e -> {
            if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                map.put(e.getKey(), e.getValue().asText());
            } else {
                error(path + "." + e.getKey(), "must be a string, found " + describe(e.getValue()));
            }
        });
        return map;
    }

    /**
     * A map or a {@code KEY=value} list (environment, labels, sysctls, options); numbers and
     * booleans become strings. In {@code environment} a key without a value is an error (the agent
     * does not read its own environment); elsewhere it is the empty string.
     */
    SortedMap<String, String> keyValues(String path, JsonNode value, boolean environment) {
        SortedMap<String, String> out = new TreeMap<>();
        if (value == null || value.isNull()) {
            return out;
        }
        if (value.isObject()) {
            value.fields().forEachRemaining(e -> {
                String keyPath = path + "." + e.getKey();
                JsonNode v = e.getValue();
                if (v.isNull() && environment) {
                    error(keyPath, "has no value: the agent does not read its own environment; "
                            + "give the value (the berth client fills it in from yours)");
                } else if (v.isNull()) {
                    out.put(e.getKey(), "");
                } else if (v.isValueNode()) {
                    out.put(e.getKey(), v.asText());
                } else {
                    error(keyPath, "must be a string, number or boolean, found " + describe(v));
                }
            });
        } else if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                JsonNode item = value.get(i);
                String itemPath = path + "[" + i + "]";
                if (!item.isTextual()) {
                    error(itemPath, "must be a \"KEY=value\" string, found " + describe(item));
                    continue;
                }
                String text = item.asText();
                int eq = text.indexOf('=');
                if (eq == 0 || (eq < 0 && environment)) {
                    error(itemPath, "'" + text + "' has no value: write it as KEY=value");
                } else if (eq < 0) {
                    out.put(text, "");
                } else {
                    out.put(text.substring(0, eq), text.substring(eq + 1));
                }
            }
        } else {
            error(path, "must be a map or a list of KEY=value, found " + describe(value));
        }
        return out;
    }

    /** The type of a value only, for values that may be secret. */
    static String typeOf(JsonNode node) {
        return node == null ? "nothing" : node.isObject() ? "a map" : node.isArray() ? "a list"
                : node.isTextual() ? "a string" : node.isNull() ? "null" : "a " + node.getNodeType().name().toLowerCase();
    }

    /** What was found, for a message: the type, and a short quote of a scalar. */
    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        JsonNodeType type = node.getNodeType();
        return switch (type) {
            case NULL -> "null";
            case OBJECT -> "a map";
            case ARRAY -> "a list";
            case STRING -> "the string \"" + abbreviate(node.asText()) + "\"";
            case BOOLEAN -> "the boolean " + node.asText();
            case NUMBER -> "the number " + node.asText();
            default -> type.name().toLowerCase();
        };
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
