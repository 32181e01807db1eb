package io.berth.cli;

import java.util.Map;

/** Colour only on a terminal and never with {@code NO_COLOR} (https://no-color.org). */
final class Terminal {
    private final boolean colour;

    Terminal(boolean colour) {
        this.colour = colour;
    }

    static Terminal detect(Map<String, String> env) {
        String noColor = env.get("NO_COLOR");
        boolean tty = System.console() != null;
        return new Terminal(tty && (noColor == null || noColor.isEmpty()) && !"dumb".equals(env.get("TERM")));
    }

    String green(String text) {
        return paint("32", text);
    }

    String yellow(String text) {
        return paint("33", text);
    }

    String red(String text) {
        return paint("31", text);
    }

    String bold(String text) {
        return paint("1", text);
    }

    /** Colours a phase or state word by what it means to a user. */
    String state(String word) {
        if (word == null) {
            return "-";
        }
        return switch (word) {
            case "converged", "running", "healthy", "ok" -> green(word);
            case "applying", "starting", "pulling", "created", "restarting", "paused", "warn", "stopped" ->
                    yellow(word);
            case "degraded", "failed", "rolled-back", "exited", "missing", "unhealthy", "fail" -> red(word);
            default -> word;
        };
    }

    private String paint(String code, String text) {
        return colour ? "\u001b[" + code + "m" + text + "\u001b[0m" : text;
    }
}
