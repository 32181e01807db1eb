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
 * keys that look secret ({@code *PASSWORD*}, {@code *TOKEN*}, {@code *SECRET*}, {@code *KEY*},
 * {@code Authorization}; public and trusted keys aside), {@code KEY=value} strings of such keys
 * (environment lists), {@code --password=…}-style arguments, URL user info, {@code Authorization}
 * headers, private keys in PEM form, and any known secret value wherever it appears. A stored
 * document ({@link #redactDocument}) and a container inspect ({@link #redactInspect}) lose every
 * environment value, whatever its key.
 */
public final class Redactor {
    public static final String MASK = "***";
    private static final Pattern SECRET_KEY = Pattern.compile(
            "(?i).*(PASSWORD|PASSWD|TOKEN|SECRET|KEY|CREDENTIAL|AUTHORIZATION).*");
    /** Keys that name public material: a public key is no secret (the device's trustedKeys). */
    private static final Pattern PUBLIC_KEY = Pattern.compile("(?i).*(PUBLIC_?KEY|TRUSTED_?KEYS?).*");
    private static final Pattern URL_USERINFO = Pattern.compile("\\b([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\\s\"']+@");
    private static final Pattern AUTH_HEADER = Pattern.compile(
            "(?i)\\b((?:proxy-)?authorization\"?\\s*[:=]\\s*\"?)(?:(basic|bearer|token|digest)\\s+)?[^\"\\s,}]+");
    private static final Pattern SECRET_FLAG = Pattern.compile(
            "(?i)(--?[a-z0-9_-]*(?:password|passwd|token|secret|api-?key|credential)[a-z0-9_-]*)(=|\\s+)(\\S+)");
    private static final Pattern SECRET_FLAG_ALONE = Pattern.compile(
            "(?i)--?[a-z0-9_-]*(?:password|passwd|token|secret|api-?key|credential)[a-z0-9_-]*");
    private static final Pattern PEM_PRIVATE = Pattern.compile("(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?"
            + "(-----END [A-Z ]*PRIVATE KEY-----|$)");

    private Redactor() {}

    public static boolean secretKey(String key) {
        return SECRET_KEY.matcher(key).matches() && !PUBLIC_KEY.matcher(key).matches();
    }

    /**
     * A redacted copy of a desired document: every environment value (whatever its key), registry
     * passwords, inline secrets' content, then everything {@link #redact} takes.
     */
    public static JsonNode redactDocument(JsonNode document) {
        if (document == null) {
            return null;
        }
        JsonNode copy = document.deepCopy();
        for (JsonNode service : copy.path("services")) {
            maskEnvironment(service.get("environment"));
        }
        for (JsonNode secret : copy.path("secrets")) {
            if (secret instanceof ObjectNode o && o.has("content")) {
                o.put("content", MASK);
            }
        }
        walk(copy);
        return copy;
    }

    /** A redacted copy of an engine inspect: every {@code Config.Env} value, then everything {@link #redact} takes. */
    public static JsonNode redactInspect(JsonNode inspect) {
        if (inspect == null) {
            return null;
        }
        JsonNode copy = inspect.deepCopy();
        maskEnvironment(copy.path("Config").get("Env"));
        walk(copy);
        return copy;
    }

    private static void maskEnvironment(JsonNode environment) {
        if (environment instanceof ObjectNode map) {
            java.util.List<String> keys = new java.util.ArrayList<>();
            map.fieldNames().forEachRemaining(keys::add);
            keys.forEach(k -> map.put(k, MASK));
        } else if (environment instanceof ArrayNode list) {
            for (int i = 0; i < list.size(); i++) {
                String kv = list.get(i).asText();
                int eq = kv.indexOf('=');
                list.set(i, TextNode.valueOf(eq < 0 ? kv : kv.substring(0, eq + 1) + MASK));
            }
        }
    }

    /**
     * The values a document holds that must not leave the device in any text (registry passwords,
     * every environment value long enough to be told apart from ordinary words, secrets' content):
     * for {@link #scrub} over what cannot be redacted by structure (logs, command output).
     */
    public static java.util.List<String> documentSecrets(JsonNode document) {
        java.util.List<String> values = new java.util.ArrayList<>();
        java.util.List<String> secrets = new java.util.ArrayList<>();
        if (document == null) {
            return values;
        }
        document.path("registries").forEach(r -> secrets.add(r.path("password").asText(null)));
        document.path("secrets").forEach(s -> secrets.add(s.path("content").asText(null)));
        for (JsonNode service : document.path("services")) {
            JsonNode environment = service.path("environment");
            if (environment.isObject()) {
                environment.forEach(v -> values.add(v.asText(null)));
            } else if (environment.isArray()) {
                for (JsonNode kv : environment) {
                    int eq = kv.asText().indexOf('=');
                    values.add(eq < 0 ? null : kv.asText().substring(eq + 1));
                }
            }
        }
        // an environment value is scrubbed as text only when it cannot be an ordinary word or number
        values.removeIf(v -> v == null || v.length() < 6 || v.matches("-?[0-9.]+|true|false|yes|no"));
        secrets.removeIf(v -> v == null || v.isBlank());
        values.addAll(0, secrets);
        return values;
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
                boolean afterFlag = i > 0 && array.get(i - 1).isTextual()
                        && SECRET_FLAG_ALONE.matcher(array.get(i - 1).asText()).matches();
                if (value.isTextual() && afterFlag) {
                    array.set(i, TextNode.valueOf(MASK)); // ["--password", "value"]
                } else if (value.isTextual()) {
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
        String result = PEM_PRIVATE.matcher(text).replaceAll(MASK);
        result = URL_USERINFO.matcher(result).replaceAll("$1" + MASK + "@");
        result = AUTH_HEADER.matcher(result).replaceAll("$1" + MASK);
        return SECRET_FLAG.matcher(result).replaceAll("$1$2" + MASK);
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
