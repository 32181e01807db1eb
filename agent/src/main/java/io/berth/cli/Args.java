package io.berth.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The options of one verb, as Docker's CLI takes them: anywhere among the positional arguments,
 * {@code --name value} or {@code --name=value}, short flags alone or bundled ({@code -ft}),
 * {@code --} ends the options.
 */
public final class Args {
    /** A usage error: the message, then the verb's usage, exit code 2. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    private final Set<String> flags = new HashSet<>();
    private final Map<String, String> values = new HashMap<>();
    private final Map<String, List<String>> repeated = new HashMap<>();
    public final List<String> positional = new ArrayList<>();

    /**
     * @param args       the verb's arguments (without the verb)
     * @param flagNames  options without a value, e.g. {@code -f}, {@code --follow}
     * @param valueNames options with a value, e.g. {@code --tail}
     * @param aliases    short and long names of the same option: alias → canonical
     */
    public static Args parse(List<String> args, Set<String> flagNames, Set<String> valueNames, Map<String, String> aliases)
            throws UsageException {
        Args parsed = new Args();
        boolean optionsEnded = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (optionsEnded || !a.startsWith("-") || a.equals("-")) {
                parsed.positional.add(a);
                continue;
            }
            if (a.equals("--")) {
                optionsEnded = true;
                continue;
            }
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            name = aliases.getOrDefault(name, name);
            if (flagNames.contains(name)) {
                if (value != null) {
                    throw new UsageException("option " + name + " takes no value");
                }
                parsed.flags.add(name);
            } else if (valueNames.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException("option " + name + " needs a value");
                    }
                    value = args.get(++i);
                }
                parsed.values.put(name, value);
                parsed.repeated.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else if (!a.startsWith("--") && a.length() > 2) {
                // bundled short flags: -ft
                for (char c : a.substring(1).toCharArray()) {
                    String flag = aliases.getOrDefault("-" + c, "-" + c);
                    if (!flagNames.contains(flag)) {
                        throw new UsageException("unknown option -" + c);
                    }
                    parsed.flags.add(flag);
                }
            } else {
                throw new UsageException("unknown option " + a);
            }
        }
        return parsed;
    }

    public boolean has(String flag) {
        return flags.contains(flag);
    }

    public String value(String name) {
        return values.get(name);
    }

    /** Every value of an option given more than once ({@code --device a --device b}), in order. */
    public List<String> values(String name) {
        return List.copyOf(repeated.getOrDefault(name, List.of()));
    }
}
