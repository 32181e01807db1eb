package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * RFC 8785 JSON Canonicalization Scheme: object keys sorted by their UTF-16 code units, no
 * whitespace, strings with the minimal JSON escapes, numbers as ECMAScript prints doubles.
 *
 * <p>Refused (an {@link IllegalArgumentException} saying where), so that no two documents that
 * mean different things to the agent share one canonical form, and so one signature: strings
 * with a lone surrogate (RFC 8785 §3.2.2.2), integers beyond ±2^53 (a double rounds them:
 * 9007199254740993 would sign as 9007199254740992), and integers written as fractions or
 * exponents ({@code 10.0}, {@code 1e2}: canonical {@code 10} and {@code 100}, which the agent
 * would read as other text than the integer written plainly).
 */
final class Jcs {
    private Jcs() {}

    /** Largest integer every JSON implementation keeps exactly. */
    static final double MAX_EXACT = 9007199254740992d; // 2^53

    public static byte[] canonicalize(JsonNode node) {
        StringBuilder out = new StringBuilder();
        write(node, out, "");
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void write(JsonNode node, StringBuilder out, String path) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            out.append("null");
        } else if (node.isBoolean()) {
            out.append(node.asBoolean());
        } else if (node.isNumber()) {
            out.append(number(node, path));
        } else if (node.isTextual()) {
            string(node.asText(), out, path);
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                write(node.get(i), out, path + "[" + i + "]");
            }
            out.append(']');
        } else if (node.isObject()) {
            List<String> keys = new ArrayList<>();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                keys.add(it.next());
            }
            keys.sort(String::compareTo); // String.compareTo compares UTF-16 code units, as the RFC says
            out.append('{');
            for (int i = 0; i < keys.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                String key = keys.get(i);
                String at = path.isEmpty() ? key : path + "." + key;
                string(key, out, at);
                out.append(':');
                write(node.get(key), out, at);
            }
            out.append('}');
        } else {
            throw new IllegalArgumentException("JCS cannot represent " + node.getNodeType());
        }
    }

    /** A number that keeps its meaning through canonicalization, or an exception naming where it does not. */
    private static String number(JsonNode node, String path) {
        double d = node.doubleValue();
        if (node.isIntegralNumber()) {
            if (!node.canConvertToLong() || Math.abs((double) node.longValue()) > MAX_EXACT
                    || Math.abs(node.longValue()) > (long) MAX_EXACT) {
                throw new IllegalArgumentException(where(path) + "the integer " + node.asText() + " is beyond 2^53: "
                        + "canonical JSON cannot keep it exactly; write it as a string");
            }
            return number(d);
        }
        if (node.isBigDecimal() && node.decimalValue().compareTo(new java.math.BigDecimal(d)) != 0) {
            throw new IllegalArgumentException(where(path) + node.asText() + " has more digits than canonical JSON "
                    + "keeps; write it as a string");
        }
        if (d == Math.rint(d) && Math.abs(d) <= MAX_EXACT) {
            throw new IllegalArgumentException(where(path) + "the integer " + number(d) + " is written as a fraction "
                    + "or exponent (" + node.asText() + "): write " + number(d) + ", or a string");
        }
        return number(d);
    }

    private static String where(String path) {
        return path.isEmpty() ? "" : path + ": ";
    }

    private static void string(String s, StringBuilder out, String path) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length()
                        && Character.isLowSurrogate(s.charAt(i + 1));
                if (!paired) {
                    throw new IllegalArgumentException(where(path) + "a string holds a lone surrogate (\\u"
                            + String.format("%04x", (int) c) + "), which is no character: canonical JSON cannot "
                            + "represent it");
                }
                out.append(c).append(s.charAt(++i));
                continue;
            }
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** ECMAScript Number.prototype.toString for a double (RFC 8785 §3.2.2.3). */
    static String number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("JCS has no representation for " + d);
        }
        if (d == 0) {
            return "0";
        }
        String sign = d < 0 ? "-" : "";
        double abs = Math.abs(d);
        // the shortest decimal that reads back as the same double
        BigDecimal shortest = null;
        for (int precision = 1; precision <= 17; precision++) {
            BigDecimal candidate = new BigDecimal(abs).round(new MathContext(precision, java.math.RoundingMode.HALF_EVEN));
            if (candidate.doubleValue() == abs) {
                shortest = candidate;
                break;
            }
        }
        if (shortest == null) {
            shortest = new BigDecimal(abs).round(new MathContext(17));
        }
        shortest = shortest.stripTrailingZeros();
        String digits = shortest.unscaledValue().toString();
        int k = digits.length();
        int n = k - shortest.scale(); // the value is 0.digits * 10^n
        StringBuilder out = new StringBuilder(sign);
        if (k <= n && n <= 21) {
            out.append(digits).append("0".repeat(n - k));
        } else if (0 < n && n <= 21) {
            out.append(digits, 0, n).append('.').append(digits, n, k);
        } else if (-6 < n && n <= 0) {
            out.append("0.").append("0".repeat(-n)).append(digits);
        } else {
            int e = n - 1;
            out.append(digits.charAt(0));
            if (k > 1) {
                out.append('.').append(digits, 1, k);
            }
            out.append('e').append(e < 0 ? "-" : "+").append(Math.abs(e));
        }
        return out.toString();
    }
}
