package io.berth.compose;

import io.berth.spec.DocumentParser;
import io.berth.spec.Interpolation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code .env} or {@code env_file} read as Compose reads it: {@code KEY=VALUE} lines, {@code #}
 * comments, an optional {@code export}; unquoted and double-quoted values interpolated
 * ({@code ${VAR}} from the lines above, then the environment); single quotes literal; quoted values
 * may span lines; double quotes take {@code \n \t \" \\} escapes; an unquoted value ends at
 * {@code " #"}; a bare {@code KEY} line takes the variable from the environment (left out when unset).
 */
final class EnvFile {

    private EnvFile() {}

    /** @param environment what interpolation and bare keys fall back to (the client's environment) */
    static Map<String, String> read(Path file, Map<String, String> environment) throws IOException {
        if (Files.size(file) > DocumentParser.MAX_BYTES) {
            throw new IOException(file + " is larger than 1 MiB");
        }
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString(), environment);
    }

    static Map<String, String> parse(String text, String source, Map<String, String> environment) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        int i = 0;
        int line = 1;
        while (i < text.length()) {
            int end = text.indexOf('\n', i);
            end = end < 0 ? text.length() : end;
            String l = text.substring(i, end).strip();
            int startLine = line;
            if (l.isEmpty() || l.startsWith("#")) {
                i = end + 1;
                line++;
                continue;
            }
            if (l.startsWith("export ")) {
                l = l.substring(7).strip();
            }
            int eq = l.indexOf('=');
            if (eq < 0) {
                if (!l.matches("[A-Za-z_][A-Za-z0-9_.-]*")) {
                    throw new IOException("line " + startLine + " of " + source + " is not KEY=VALUE");
                }
                String fromEnv = environment.get(l);
                if (fromEnv != null) {
                    values.put(l, fromEnv);
                }
                i = end + 1;
                line++;
                continue;
            }
            String key = l.substring(0, eq).strip();
            if (!key.matches("[A-Za-z_][A-Za-z0-9_.-]*")) {
                throw new IOException("line " + startLine + " of " + source + ": '" + key + "' is not a variable name");
            }
            // the value starts after '=' on the raw text, so a quoted one may run over several lines
            int valueStart = text.indexOf('=', i) + 1;
            while (valueStart < end && (text.charAt(valueStart) == ' ' || text.charAt(valueStart) == '\t')) {
                valueStart++;
            }
            char quote = valueStart < text.length() ? text.charAt(valueStart) : 0;
            String value;
            if (quote == '\'' || quote == '"') {
                int close = closingQuote(text, valueStart + 1, quote);
                if (close < 0) {
                    throw new IOException("line " + startLine + " of " + source + ": the " + (quote == '"' ? "double"
                            : "single") + " quote is never closed");
                }
                String raw = text.substring(valueStart + 1, close);
                value = quote == '\'' ? raw : interpolate(unescape(raw), values, environment, source, startLine);
                for (int c = i; c < close; c++) {
                    line += text.charAt(c) == '\n' ? 1 : 0;
                }
                int next = text.indexOf('\n', close);
                end = next < 0 ? text.length() : next;
            } else {
                String raw = text.substring(valueStart, end);
                int comment = raw.indexOf(" #");
                value = interpolate((comment >= 0 ? raw.substring(0, comment) : raw).strip(), values, environment,
                        source, startLine);
            }
            values.put(key, value);
            i = end + 1;
            line++;
        }
        return values;
    }

    private static int closingQuote(String text, int from, char quote) {
        for (int c = from; c < text.length(); c++) {
            if (quote == '"' && text.charAt(c) == '\\') {
                c++;
            } else if (text.charAt(c) == quote) {
                return c;
            }
        }
        return -1;
    }

    private static String unescape(String raw) {
        StringBuilder out = new StringBuilder();
        for (int c = 0; c < raw.length(); c++) {
            char ch = raw.charAt(c);
            if (ch == '\\' && c + 1 < raw.length()) {
                char next = raw.charAt(++c);
                out.append(switch (next) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    default -> next;
                });
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    private static String interpolate(String value, Map<String, String> above, Map<String, String> environment,
                                      String source, int line) throws IOException {
        if (value.indexOf('$') < 0) {
            return value;
        }
        Map<String, String> variables = new HashMap<>(environment);
        variables.putAll(above);
        try {
            return Interpolation.string(value, variables);
        } catch (IllegalArgumentException e) {
            throw new IOException("line " + line + " of " + source + ": " + e.getMessage());
        }
    }
}
