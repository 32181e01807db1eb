package io.berth.it;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the agent's Java threads spend their CPU, from a JFR recording of the log benchmark
 * ({@code BERTH_BENCH_PROFILE=FILE.jfr provisioning/bench/logs}): each execution sample goes to
 * the first part of Berth's log path found walking its stack from the top (so time in the JDK
 * or Jackson on behalf of the log reader counts as the log reader's), else to its top frame's
 * package. Prints the share of samples per thread and per part, of the samples taken while the
 * bench measured when it left {@code FILE.jfr.window} (else of the whole run). JIT and GC
 * threads are not Java threads and do not appear here: the benchmark's per-thread CPU shows them.
 *   java -cp ... io.berth.it.JfrTop FILE.jfr
 */
public final class JfrTop {
    /** Parts of the log path, by class-name prefix, most specific first. */
    private static final Map<String, String> PARTS = new LinkedHashMap<>();

    static {
        PARTS.put("com.fasterxml.jackson", "JSON rendering and parsing (Jackson)");
        PARTS.put("org.eclipse.paho", "MQTT (Paho)");
        PARTS.put("io.berth.logs.BatchJson", "JSON rendering (io.berth.logs.BatchJson)");
        PARTS.put("io.berth.logs", "batching, buffer, rate limit (io.berth.logs)");
        PARTS.put("io.berth.engine.http.LineSplitter", "reading the engine's log streams: lines and timestamps");
        PARTS.put("io.berth.engine.http.EngineTime", "reading the engine's log streams: lines and timestamps");
        PARTS.put("io.berth.engine.http", "reading the engine's log streams: HTTP, frames, selector loop");
        PARTS.put("io.berth.engine", "engine client");
        PARTS.put("io.berth.link", "MQTT link (io.berth.link)");
        PARTS.put("sun.nio.ch", "socket I/O and the selector (sun.nio.ch)");
        PARTS.put("io.berth", "other Berth code");
    }

    private JfrTop() {}

    public static void main(String[] args) throws Exception {
        Map<String, Integer> counts = new TreeMap<>();
        Map<String, Integer> hot = new TreeMap<>();
        Map<String, Integer> threads = new TreeMap<>();
        List<long[]> windows = windows(Path.of(args[0] + ".window"));
        int total = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(Path.of(args[0]))) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null
                    || !within(windows, event.getStartTime().toEpochMilli())) {
                continue;
            }
            total++;
            RecordedThread thread = event.getThread("sampledThread");
            threads.merge(thread == null ? "?" : thread.getJavaName(), 1, Integer::sum);
            List<RecordedFrame> frames = event.getStackTrace().getFrames();
            counts.merge(part(frames), 1, Integer::sum);
            if (!frames.isEmpty()) {
                hot.merge(frames.get(0).getMethod().getType().getName() + "." + frames.get(0).getMethod().getName(), 1,
                        Integer::sum);
            }
        }
        System.out.printf("%d execution samples (Java threads)%s%n", total,
                windows.isEmpty() ? ", the whole run" : ", while the bench measured");
        int all = total;
        System.out.println("by thread:");
        threads.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(6)
                .forEach(e -> System.out.printf("  %5.1f %%  %s%n", 100.0 * e.getValue() / all, e.getKey()));
        System.out.println("by part of the log path:");
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(12)
                .forEach(e -> System.out.printf("  %5.1f %%  %s%n", 100.0 * e.getValue() / all, e.getKey()));
        System.out.println("hottest methods (top frame):");
        hot.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(12)
                .forEach(e -> System.out.printf("  %5.1f %%  %s%n", 100.0 * e.getValue() / all, e.getKey()));
    }

    /** The bench's measured windows (epoch millis "FROM TO" a line), or none: the whole run. */
    private static List<long[]> windows(Path file) throws java.io.IOException {
        if (!java.nio.file.Files.exists(file)) {
            return List.of();
        }
        return java.nio.file.Files.readAllLines(file).stream().filter(l -> !l.isBlank())
                .map(l -> java.util.Arrays.stream(l.trim().split(" ")).mapToLong(Long::parseLong).toArray()).toList();
    }

    private static boolean within(List<long[]> windows, long at) {
        return windows.isEmpty() || windows.stream().anyMatch(w -> at >= w[0] && at <= w[1]);
    }

    static String part(List<RecordedFrame> frames) {
        for (RecordedFrame frame : frames) {
            String type = frame.getMethod().getType().getName();
            for (Map.Entry<String, String> p : PARTS.entrySet()) {
                if (type.startsWith(p.getKey())) {
                    return p.getValue();
                }
            }
        }
        String top = frames.isEmpty() ? "?" : frames.get(0).getMethod().getType().getName();
        return "other: " + top.replaceAll("\\.[^.]*$", "");
    }
}
