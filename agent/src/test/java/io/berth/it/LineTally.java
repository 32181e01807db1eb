package io.berth.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The log benchmark's accounting by line number (not by count): each container prints lines
 * {@code L <n> ...} numbered from 0; every forwarded line is marked in a bit set per service, so
 * a line delivered twice, a line never printed and a gap not covered by {@code dropped} all show.
 * Also the engine's timestamps of the first and last line, for the rate actually offered.
 */
final class LineTally {
    private final Map<String, BitSet> seen = new ConcurrentHashMap<>();
    private long lines;
    private long duplicates;
    private long foreign;
    private long dropped;
    private int lowN = Integer.MAX_VALUE;
    private int highN = -1;
    private String lowT;
    private String highT;
    private long firstNanos;
    private long lastNanos;

    /** One batch as published on {p}/{d}/logs/{service}. */
    synchronized void add(String service, JsonNode batch) {
        long now = System.nanoTime();
        if (firstNanos == 0) {
            firstNanos = now;
        }
        lastNanos = now;
        dropped += batch.path("dropped").asLong();
        BitSet bits = seen.computeIfAbsent(service, s -> new BitSet());
        for (JsonNode line : batch.path("lines")) {
            String text = line.path("line").asText();
            String t = line.path("t").asText();
            String[] words = text.split(" ", 3);
            if (words.length < 2 || !words[0].equals("L") || !words[1].matches("\\d{1,9}")) {
                foreign++;
                continue;
            }
            int n = Integer.parseInt(words[1]);
            if (n < lowN) {
                lowN = n;
                lowT = t;
            }
            if (n > highN) {
                highN = n;
                highT = t;
            }
            if (bits.get(n)) {
                duplicates++;
            } else {
                bits.set(n);
                lines++;
            }
        }
    }

    synchronized long lines() {
        return lines;
    }

    synchronized long dropped() {
        return dropped;
    }

    /** Distinct lines delivered plus lines counted as dropped. */
    synchronized long accounted() {
        return lines + dropped;
    }

    /** Seconds between the first and the last batch arriving here. */
    synchronized double arrivalSeconds() {
        return (lastNanos - firstNanos) / 1e9;
    }

    /**
     * Lines a second the container printed: from the engine's timestamps of the lowest and the
     * highest line number delivered (lines dropped in between do not matter).
     */
    synchronized double printedRate() {
        if (highN <= lowN) {
            return 0;
        }
        double seconds = (java.time.Instant.parse(highT).toEpochMilli() - java.time.Instant.parse(lowT).toEpochMilli()) / 1e3;
        return (highN - lowN) / Math.max(seconds, 0.001);
    }

    /**
     * Null when every line is accounted for: {@code printed} per service, each delivered at most
     * once and only lines that were printed, delivered + dropped = printed. Else what is wrong.
     */
    synchronized String mismatch(Map<String, Integer> printed) {
        StringBuilder wrong = new StringBuilder();
        long expected = 0;
        for (Map.Entry<String, Integer> e : printed.entrySet()) {
            expected += e.getValue();
            BitSet bits = seen.getOrDefault(e.getKey(), new BitSet());
            if (bits.length() > e.getValue()) {
                wrong.append(e.getKey()).append(" delivered line ").append(bits.length() - 1).append(" of ")
                        .append(e.getValue()).append(" printed; ");
            }
        }
        if (seen.keySet().stream().anyMatch(s -> !printed.containsKey(s))) {
            wrong.append("lines from services not in the run ").append(seen.keySet()).append("; ");
        }
        if (duplicates > 0) {
            wrong.append(duplicates).append(" lines delivered twice; ");
        }
        if (foreign > 0) {
            wrong.append(foreign).append(" lines without a line number; ");
        }
        if (lines + dropped != expected) {
            wrong.append("delivered ").append(lines).append(" + dropped ").append(dropped).append(" = ")
                    .append(lines + dropped).append(", printed ").append(expected).append("; ");
        }
        return wrong.length() == 0 ? null : wrong.toString();
    }
}
