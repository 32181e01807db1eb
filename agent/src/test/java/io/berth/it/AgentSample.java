package io.berth.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One look at a process from /proc (for the benchmarks): when, its CPU ticks in all, its RSS, and
 * the CPU ticks of each of its threads by name (numbers in names folded: "GC Thread#0" and
 * "GC Thread#1" are one), so two samples give the CPU share of the log reader, MQTT, GC, JIT.
 */
record AgentSample(long nanos, long ticks, long rssKiB, Map<String, Long> threadTicks) {
    private static final double TICKS_PER_SECOND = 100.0;

    static AgentSample of(long pid) throws IOException {
        long now = System.nanoTime();
        long total = ticks(Path.of("/proc/" + pid + "/stat"));
        long rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        Map<String, Long> threads = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip().replaceAll("[0-9]+", "N");
                    threads.merge(name, ticks(task.resolve("stat")), Long::sum);
                } catch (IOException gone) {
                    // the thread ended between the listing and the read
                }
            }
        }
        return new AgentSample(now, total, rss, threads);
    }

    private static long ticks(Path stat) throws IOException {
        String[] fields = Files.readString(stat).split("\\) ", 2)[1].split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** CPU used since the earlier sample, in percent of one core. */
    double cpuPercentSince(AgentSample earlier) {
        return (ticks - earlier.ticks) / TICKS_PER_SECOND / ((nanos - earlier.nanos) / 1e9) * 100;
    }

    /** The threads that used CPU since the earlier sample, busiest first: "name 3.1 %, ...". */
    String threadsSince(AgentSample earlier) {
        double seconds = (nanos - earlier.nanos) / 1e9;
        return threadTicks.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - earlier.threadTicks.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(6)
                .map(e -> String.format("%s %.1f", e.getKey(), e.getValue() / TICKS_PER_SECOND / seconds * 100))
                .collect(Collectors.joining(", "));
    }
}
