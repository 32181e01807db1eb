package io.berth.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A label selector (PROTOCOL.md §10): a comma-separated list of requirements that must all hold,
 * each one of {@code key=value} ({@code ==} too), {@code key!=value}, {@code key in (a,b)},
 * {@code key notin (a,b)}, {@code key} (has the label) and {@code !key} (has not). As in
 * Kubernetes, {@code !=} and {@code notin} hold for a device without the label.
 *
 * <p>Used by the operator's fleet verbs to pick devices and by the agent to check a signed
 * document's {@code target.selector}. {@link #toString()} is canonical: requirements sorted and
 * without duplicates, sets sorted, no blanks but the one around {@code in}/{@code notin}, so two
 * selectors that mean the same print the same.
 */
public final class Selector {

    public enum Op { EQUALS, NOT_EQUALS, IN, NOT_IN, EXISTS, NOT_EXISTS }

    /** One requirement; {@code values} is empty for {@code EXISTS}/{@code NOT_EXISTS}, sorted for the sets. */
    public record Requirement(String key, Op op, List<String> values) {
        public Requirement {
            values = List.copyOf(new TreeSet<>(values));
        }

        public boolean matches(Map<String, String> labels) {
            String value = labels.get(key);
            return switch (op) {
                case EQUALS, IN -> value != null && values.contains(value);
                case NOT_EQUALS, NOT_IN -> value == null || !values.contains(value);
                case EXISTS -> value != null;
                case NOT_EXISTS -> value == null;
            };
        }

        @Override
        public String toString() {
            return switch (op) {
                case EQUALS -> key + "=" + values.get(0);
                case NOT_EQUALS -> key + "!=" + values.get(0);
                case IN -> key + " in (" + String.join(",", values) + ")";
                case NOT_IN -> key + " notin (" + String.join(",", values) + ")";
                case EXISTS -> key;
                case NOT_EXISTS -> "!" + key;
            };
        }
    }

    private static final Comparator<Requirement> ORDER = Comparator.comparing(Requirement::key)
            .thenComparing(Requirement::op).thenComparing(r -> String.join(",", r.values()));
    private static final Selector EVERYTHING = new Selector(List.of());

    private final List<Requirement> requirements;

    private Selector(List<Requirement> requirements) {
        this.requirements = requirements.stream().sorted(ORDER).distinct().toList();
    }

    /** The selector without requirements: it matches every device (what no {@code --selector} means). */
    public static Selector everything() {
        return EVERYTHING;
    }

    /**
     * Parses a selector.
     *
     * @throws IllegalArgumentException naming the position (1-based) and the token that is wrong,
     *                                  for an empty or malformed selector or a bad key or value
     */
    public static Selector parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the selector is empty: write at least one requirement, "
                    + "e.g. 'tier=canary' or 'tier in (canary,prod)'");
        }
        return new Selector(new Parser(text).requirements());
    }

    public List<Requirement> requirements() {
        return requirements;
    }

    /** Whether every requirement holds for these labels. */
    public boolean matches(Map<String, String> labels) {
        Map<String, String> l = labels == null ? Map.of() : labels;
        return requirements.stream().allMatch(r -> r.matches(l));
    }

    @Override
    public String toString() {
        return String.join(",", requirements.stream().map(Requirement::toString).toList());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Selector s && s.requirements.equals(requirements);
    }

    @Override
    public int hashCode() {
        return requirements.hashCode();
    }

    /** A small recursive-descent parser; positions in messages are 1-based. */
    private static final class Parser {
        private final String text;
        private int pos;

        Parser(String text) {
            this.text = text;
        }

        List<Requirement> requirements() {
            List<Requirement> out = new ArrayList<>();
            while (true) {
                out.add(requirement());
                blanks();
                if (pos == text.length()) {
                    return out;
                }
                if (text.charAt(pos) != ',') {
                    throw error("expected ',' or the end after '" + out.get(out.size() - 1) + "'");
                }
                pos++;
            }
        }

        private Requirement requirement() {
            blanks();
            if (peek() == '!') {
                pos++;
                blanks();
                if (peek() == '=') {
                    throw error("expected a label key before '!='");
                }
                return new Requirement(key(), Op.NOT_EXISTS, List.of());
            }
            String key = key();
            blanks();
            char c = peek();
            if (c == 0 || c == ',') {
                return new Requirement(key, Op.EXISTS, List.of());
            }
            if (c == '=') {
                pos += text.startsWith("==", pos) ? 2 : 1;
                return new Requirement(key, Op.EQUALS, List.of(value()));
            }
            if (text.startsWith("!=", pos)) {
                pos += 2;
                return new Requirement(key, Op.NOT_EQUALS, List.of(value()));
            }
            String word = word();
            if (word.equals("in") || word.equals("notin")) {
                pos += word.length();
                return new Requirement(key, word.equals("in") ? Op.IN : Op.NOT_IN, set(word));
            }
            throw error("expected '=', '!=', 'in (…)', 'notin (…)', ',' or the end after the key '" + key + "'");
        }

        private List<String> set(String op) {
            blanks();
            if (peek() != '(') {
                throw error("expected '(' after '" + op + "'");
            }
            pos++;
            List<String> values = new ArrayList<>();
            while (true) {
                values.add(value());
                blanks();
                char c = peek();
                if (c == ')') {
                    pos++;
                    if (values.stream().allMatch(String::isEmpty)) {
                        throw error("'" + op + " ()' needs at least one value");
                    }
                    return values;
                }
                if (c != ',') {
                    throw error("expected ',' or ')' in the list of values of '" + op + "'");
                }
                pos++;
            }
        }

        private String key() {
            int start = pos;
            while (pos < text.length() && isKeyChar(text.charAt(pos))) {
                pos++;
            }
            if (start == pos) {
                pos = start;
                throw error("expected a label key");
            }
            String key = text.substring(start, pos);
            String problem = DeviceLabels.keyProblem(key);
            if (problem != null) {
                pos = start;
                throw error("label key '" + key + "': " + problem);
            }
            return key;
        }

        private String value() {
            blanks();
            int start = pos;
            while (pos < text.length() && isValueChar(text.charAt(pos))) {
                pos++;
            }
            String value = text.substring(start, pos);
            String problem = DeviceLabels.valueProblem(value);
            if (problem != null) {
                pos = start;
                throw error("label value '" + value + "': " + problem);
            }
            return value;
        }

        private String word() {
            int end = pos;
            while (end < text.length() && Character.isLetter(text.charAt(end))) {
                end++;
            }
            return text.substring(pos, end);
        }

        private void blanks() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        private char peek() {
            return pos < text.length() ? text.charAt(pos) : 0;
        }

        private IllegalArgumentException error(String what) {
            String found = pos < text.length() ? "found '" + text.charAt(pos) + "'" : "found the end";
            return new IllegalArgumentException("selector '" + text + "' at position " + (pos + 1) + ": " + what
                    + ", " + found);
        }

        private static boolean isKeyChar(char c) {
            return isValueChar(c) || c == '/';
        }

        private static boolean isValueChar(char c) {
            return c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.');
        }
    }
}
