package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Compose's scalar value syntaxes: sizes, durations, cpus, signals. Pure; null means "does not parse". */
final class Values {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)i?b?", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");
    private static final Set<String> SIGNALS = Set.of("HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE",
            "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP",
            "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "POLL", "PWR", "SYS", "IOT");

    /** The longest duration a long of nanoseconds holds, in whole seconds (about 292 years). */
    private static final long MAX_SECONDS = Long.MAX_VALUE / 1_000_000_000L;

    private Values() {}

    /** Bytes from {@code 1g}, {@code 1024m}, {@code 512k}, {@code 100b}, {@code 1gb}, or a plain number. Binary units, as Compose. */
    static Long size(JsonNode node) {
        if (node.isIntegralNumber() && node.canConvertToLong() && node.asLong() >= 0) {
            return node.asLong();
        }
        if (!node.isTextual()) {
            return null;
        }
        Matcher m = SIZE.matcher(node.asText().strip());
        if (!m.matches()) {
            return null;
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        try {
            return new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1L << shift)).longValueExact();
        } catch (ArithmeticException e) {
            return null; // a fraction of a byte, or too big
        }
    }

    /** Nanoseconds from {@code 1m30s}, {@code 500ms}, {@code 2h}; a bare number is seconds. Never negative. */
    static Long durationNanos(JsonNode node) {
        if (node.isIntegralNumber() && node.canConvertToLong() && node.asLong() >= 0) {
            return node.asLong() > MAX_SECONDS ? null : Duration.ofSeconds(node.asLong()).toNanos();
        }
        if (!node.isTextual()) {
            return null;
        }
        String text = node.asText().strip();
        if (text.matches("\\d{1,9}")) {
            return Duration.ofSeconds(Long.parseLong(text)).toNanos();
        }
        Matcher m = DURATION_PART.matcher(text);
        int at = 0;
        BigDecimal nanos = BigDecimal.ZERO;
        while (m.find() && m.start() == at) {
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)));
            at = m.end();
        }
        if (at != text.length() || at == 0 || nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            return null;
        }
        return nanos.longValue();
    }

    /** Nano-cpus from {@code 0.5}, {@code "1.5"}; null unless more than 0. */
    static Long nanoCpus(JsonNode node) {
        BigDecimal cpus;
        try {
            if (node.isNumber()) {
                cpus = node.decimalValue();
            } else if (node.isTextual()) {
                cpus = new BigDecimal(node.asText().strip());
            } else {
                return null;
            }
        } catch (NumberFormatException e) {
            return null;
        }
        if (cpus.signum() <= 0 || cpus.compareTo(BigDecimal.valueOf(4096)) > 0) {
            return null;
        }
        return cpus.movePointRight(9).setScale(0, java.math.RoundingMode.HALF_UP).longValue();
    }

    /** {@code SIGTERM}, {@code TERM}, {@code 15}, {@code SIGRTMIN+3} → the engine's canonical {@code SIGTERM} form. */
    static String signal(String text) {
        String s = text.strip().toUpperCase(Locale.ROOT);
        if (s.matches("\\d{1,2}")) {
            int n = Integer.parseInt(s);
            return n >= 1 && n <= 64 ? s : null;
        }
        String name = s.startsWith("SIG") ? s.substring(3) : s;
        if (SIGNALS.contains(name) || name.matches("RTM(IN|AX)([+-]\\d{1,2})?")) {
            return "SIG" + name;
        }
        return null;
    }
}
