package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Compose's variable interpolation (PROTOCOL.md §3), done by the {@code berth} client before a
 * document leaves it; the agent never interpolates. In every string value (not in keys):
 * {@code $$} is a literal {@code $}; {@code $VAR} and {@code ${VAR}} the variable, empty with a
 * warning when unset; {@code ${VAR:-default}} (unset or empty) and {@code ${VAR-default}} (unset);
 * {@code ${VAR:?message}} and {@code ${VAR?message}} fail with the message; {@code ${VAR:+alt}}
 * and {@code ${VAR+alt}} give alt when set. Defaults may hold further interpolations.
 */
public final class Interpolation {

    /** The interpolated document (a copy), with an error per failed value and a warning per unset variable. */
    public record Result(JsonNode document, List<SpecError> errors, List<SpecError> warnings) {
        public Result {
            errors = List.copyOf(errors);
            warnings = List.copyOf(warnings);
        }
    }

    private final Function<String, String> lookup;
    private final List<SpecError> errors = new ArrayList<>();
    private final List<SpecError> warnings = new ArrayList<>();

    private Interpolation(Function<String, String> lookup) {
        this.lookup = lookup;
    }

    /** @param variables the environment, with a {@code .env} file's values under it (the environment wins) */
    public static Result apply(JsonNode document, Map<String, String> variables) {
        Interpolation i = new Interpolation(variables::get);
        JsonNode out = i.walk(document, "");
        return new Result(out, i.errors, i.warnings);
    }

    /** One string, for tests and for {@code env_file} paths; throws with the message of a failed {@code ?}. */
    public static String string(String text, Map<String, String> variables) {
        Interpolation i = new Interpolation(variables::get);
        String out = i.expand(text, "");
        if (!i.errors.isEmpty()) {
            throw new IllegalArgumentException(i.errors.get(0).message());
        }
        return out;
    }

    private JsonNode walk(JsonNode node, String path) {
        if (node == null) {
            return null;
        }
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.set(e.getKey(), walk(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey()));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (int i = 0; i < node.size(); i++) {
                out.add(walk(node.get(i), path + "[" + i + "]"));
            }
            return out;
        }
        if (node.isTextual() && node.asText().indexOf('$') >= 0) {
            return TextNode.valueOf(expand(node.asText(), path));
        }
        return node;
    }

    private String expand(String text, String path) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '$' || i + 1 >= text.length()) {
                out.append(c);
                i++;
                continue;
            }
            char next = text.charAt(i + 1);
            if (next == '$') {
                out.append('$');
                i += 2;
            } else if (next == '{') {
                int end = closing(text, i + 2);
                if (end < 0) {
                    errors.add(new SpecError(path, "invalid interpolation in '" + text + "': '${' without its '}'; "
                            + "write $$ for a literal $"));
                    return text;
                }
                String value = braced(text.substring(i + 2, end), text, path);
                if (value == null) {
                    return text;
                }
                out.append(value);
                i = end + 1;
            } else if (isNameStart(next)) {
                int end = i + 1;
                while (end < text.length() && isNamePart(text.charAt(end))) {
                    end++;
                }
                out.append(variable(text.substring(i + 1, end), path));
                i = end;
            } else {
                out.append(c); // a lone $ before anything else stays, as in Compose
                i++;
            }
        }
        return out.toString();
    }

    /** The index of the '}' that closes a '${' whose body starts at {@code from}, counting nested ones. */
    private static int closing(String text, int from) {
        int depth = 1;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
                depth++;
                i++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    private String braced(String body, String text, String path) {
        int n = 0;
        while (n < body.length() && (n == 0 ? isNameStart(body.charAt(n)) : isNamePart(body.charAt(n)))) {
            n++;
        }
        String name = body.substring(0, n);
        String rest = body.substring(n);
        if (name.isEmpty()) {
            errors.add(new SpecError(path, "invalid interpolation in '" + text + "': '${" + body + "}' names no "
                    + "variable; write $$ for a literal $"));
            return null;
        }
        String value = lookup.apply(name);
        if (rest.isEmpty()) {
            return variable(name, path);
        }
        String op = rest.startsWith(":") && rest.length() > 1 ? rest.substring(0, 2) : rest.substring(0, 1);
        String arg = rest.substring(op.length());
        boolean unsetOrEmpty = value == null || value.isEmpty();
        switch (op) {
            case ":-":
                return unsetOrEmpty ? expand(arg, path) : value;
            case "-":
                return value == null ? expand(arg, path) : value;
            case ":+":
                return unsetOrEmpty ? "" : expand(arg, path);
            case "+":
                return value == null ? "" : expand(arg, path);
            case ":?":
            case "?":
                if (op.equals(":?") ? unsetOrEmpty : value == null) {
                    String message = expand(arg, path);
                    errors.add(new SpecError(path, "required variable " + name + " is "
                            + (value == null ? "not set" : "empty") + (message.isEmpty() ? "" : ": " + message)));
                    return null;
                }
                return value;
            default:
                errors.add(new SpecError(path, "invalid interpolation in '" + text + "': '${" + body + "}'; use "
                        + "${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message} or ${VAR?message}"));
                return null;
        }
    }

    private String variable(String name, String path) {
        String value = lookup.apply(name);
        if (value == null) {
            warnings.add(new SpecError(path, "the variable " + name + " is not set: it defaults to a blank string"));
            return "";
        }
        return value;
    }

    private static boolean isNameStart(char c) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isNamePart(char c) {
        return isNameStart(c) || (c >= '0' && c <= '9');
    }
}
