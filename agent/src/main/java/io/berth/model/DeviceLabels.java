package io.berth.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A device's labels (PROTOCOL.md §10), checked with Kubernetes' rules: a key is an optional DNS
 * subdomain prefix and {@code /}, then a name of at most 63 characters of {@code [A-Za-z0-9._-]}
 * that begins and ends with a letter or digit; a value is empty or such a name. Errors name the
 * label and the rule, so a config mistake is found from the message alone.
 */
public final class DeviceLabels {
    /** A bound so the retained {@code online} message stays small. */
    public static final int MAX_LABELS = 64;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private DeviceLabels() {}

    /**
     * The labels sorted by key, after checking every one.
     *
     * @throws IllegalArgumentException naming the first bad label and what is wrong with it
     */
    public static Map<String, String> validate(Map<String, String> labels) {
        if (labels.size() > MAX_LABELS) {
            throw new IllegalArgumentException("a device has at most " + MAX_LABELS + " labels, found " + labels.size());
        }
        Map<String, String> sorted = new TreeMap<>();
        for (Map.Entry<String, String> e : labels.entrySet()) {
            String key = e.getKey();
            String value = e.getValue() == null ? "" : e.getValue();
            String problem = keyProblem(key);
            if (problem != null) {
                throw new IllegalArgumentException("label key '" + key + "': " + problem);
            }
            problem = valueProblem(value);
            if (problem != null) {
                throw new IllegalArgumentException("label '" + key + "' value '" + value + "': " + problem);
            }
            sorted.put(key, value);
        }
        return java.util.Collections.unmodifiableMap(sorted);
    }

    /**
     * Parses {@code k=v,k=v} (the form of {@code BERTH_LABELS}); blanks around keys and values are
     * dropped, an empty string is no labels.
     *
     * @throws IllegalArgumentException for a pair without {@code =}, a key given twice, or a bad label
     */
    public static Map<String, String> parse(String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return Map.of();
        }
        for (String pair : text.split(",", -1)) {
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("label '" + pair.strip() + "' has no '=': write labels as key=value,key=value");
            }
            String key = pair.substring(0, eq).strip();
            if (labels.put(key, pair.substring(eq + 1).strip()) != null) {
                throw new IllegalArgumentException("label key '" + key + "' is given twice");
            }
        }
        return validate(labels);
    }

    /** What is wrong with a label key, or null when it is a valid one. */
    public static String keyProblem(String key) {
        if (key == null || key.isEmpty()) {
            return "a label key cannot be empty";
        }
        int slash = key.indexOf('/');
        String name = slash < 0 ? key : key.substring(slash + 1);
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            if (prefix.isEmpty() || prefix.length() > 253) {
                return "the prefix before '/' must be 1 to 253 characters";
            }
            for (String part : prefix.split("\\.", -1)) {
                if (!DNS_LABEL.matcher(part).matches()) {
                    return "the prefix before '/' must be a DNS subdomain (lower-case letters, digits, '-' and '.', "
                            + "each part beginning and ending with a letter or digit)";
                }
            }
        }
        return nameProblem(name, "the name");
    }

    /** What is wrong with a label value, or null when it is a valid one (empty is valid). */
    public static String valueProblem(String value) {
        return value.isEmpty() ? null : nameProblem(value, "a value");
    }

    private static String nameProblem(String name, String what) {
        if (name.isEmpty()) {
            return what + " cannot be empty";
        }
        if (name.length() > 63) {
            return what + " is " + name.length() + " characters, at most 63 are allowed";
        }
        if (!NAME.matcher(name).matches()) {
            return what + " may hold only letters, digits, '-', '_' and '.', and must begin and end with a letter or digit";
        }
        return null;
    }
}
