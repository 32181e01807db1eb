package io.berth.model;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Compose-style durations: {@code 1m30s}, {@code 500ms}, {@code 2h}, {@code 10s}; a bare number is seconds. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h)");

    private Durations() {}

    /** Returns null when the text is not a duration. */
    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        if (text.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(text));
        }
        Matcher m = PART.matcher(text);
        int at = 0;
        double nanos = 0;
        while (m.find() && m.start() == at) {
            double value = Double.parseDouble(m.group(1));
            nanos += value * switch (m.group(2)) {
                case "ns" -> 1d;
                case "us" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            at = m.end();
        }
        return at == text.length() && at > 0 ? Duration.ofNanos((long) nanos) : null;
    }
}
