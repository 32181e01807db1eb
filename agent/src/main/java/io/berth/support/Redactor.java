package io.berth.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Takes secrets out of what leaves the device for humans (support bundles, CLI output): values of
 * keys that look secret ({@code *PASSWORD*}, {@code *TOKEN*}, {@code *SECRET*}, {@code *KEY*}),
 * {@code KEY=value} strings of such keys (environment lists), private keys in PEM form, and any
 * known secret value wherever it appears.
 */
public final class Redactor {
    public static final String MASK = "***";
    private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(PASSWORD|PASSWD|TOKEN|SECRET|KEY|CREDENTIAL).*");
    private static final Pattern PEM_PRIVATE = Pattern.compile("(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?"
            + "(-----END [A-Z ]*PRIVATE KEY-----|$)");

    private Redactor() {}

    public static boolean secretKey(String key) {
        return SECRET_KEY.matcher(key).matches();
    }

    /** A redacted copy of {@code node}; null stays null. A document's {@code secrets.*.content} goes too. */
    public static JsonNode redact(JsonNode node) {
        if (node == null) {
            return null;
        }
        JsonNode copy = node.deepCopy();
        if (copy.path("secrets") instanceof ObjectNode secrets) {
            secrets.forEach(s -> {
                if (s instanceof ObjectNode secret && secret.has("content")) {
                    secret.put("content", MASK);
                }
            });
        }
        walk(copy);
        return copy;
    }

    /**
     * A desired document for people to read ({@code berth config}): {@link #redact}, and the inline
     * values of its top-level {@code secrets} ({@code content}) masked whatever their names.
     */
    public static JsonNode redactDocument(JsonNode document) {
        JsonNode copy = redact(document);
        if (copy != null) {
            copy.path("secrets").forEach(secret -> {
                if (secret instanceof ObjectNode s && s.has("content")) {
                    s.put("content", MASK);
                }
            });
        }
        return copy;
    }

    private static void walk(JsonNode node) {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                JsonNode value = e.getValue();
                if (secretKey(e.getKey()) && value.isValueNode() && !value.isNull()) {
                    e.setValue(TextNode.valueOf(MASK));
                } else if (value.isTextual()) {
                    e.setValue(TextNode.valueOf(redactText(value.asText())));
                } else {
                    walk(value);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                JsonNode value = array.get(i);
                if (value.isTextual()) {
                    array.set(i, TextNode.valueOf(redactText(value.asText())));
                } else {
                    walk(value);
                }
            }
        }
    }

    /** A {@code KEY=value} string of a secret-looking key loses its value; PEM private keys go. */
    public static String redactText(String text) {
        int eq = text.indexOf('=');
        if (eq > 0 && eq < 256 && text.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_.-]*")
                && secretKey(text.substring(0, eq))) {
            return text.substring(0, eq + 1) + MASK;
        }
        return PEM_PRIVATE.matcher(text).replaceAll(MASK);
    }

    /** Replaces every occurrence of every known secret value (blank ones and very short ones aside). */
    public static String scrub(String text, Collection<String> secrets) {
        String result = text;
        for (String secret : secrets) {
            if (secret != null && secret.length() >= 3) {
                result = result.replace(secret, MASK);
            }
        }
        return result;
    }
}
