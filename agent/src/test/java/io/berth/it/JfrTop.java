package io.berth.it;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the agent's Java threads spend their CPU, from a JFR recording of the log benchmark
 * ({@code BERTH_BENCH_PROFILE=FILE.jfr provisioning/bench/logs}): each execution sample goes to
 * the first part of Berth's log path found walking its stack from the top (so time in the JDK
 * or Jackson on behalf of the log reader counts as the log reader's), else to its top frame's
 * package. Prints the share of samples per part. JIT and GC threads are not Java threads and
 * do not appear here: the benchmark's per-thread CPU shows them.
 *   java -cp ... io.berth.it.JfrTop FILE.jfr
 */
public final class JfrTop {
    /** Parts of the log path, by class-name prefix, most specific first. */
    private static final Map<String, String> PARTS = new LinkedHashMap<>();

    static {
        PARTS.put("com.fasterxml.jackson", "JSON rendering and parsing (Jackson)");
        PARTS.put("org.eclipse.paho", "MQTT (Paho)");
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
        int total = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(Path.of(args[0]))) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
                continue;
            }
            total++;
            List<RecordedFrame> frames = event.getStackTrace().getFrames();
            counts.merge(part(frames), 1, Integer::sum);
            if (!frames.isEmpty()) {
                hot.merge(frames.get(0).getMethod().getType().getName() + "." + frames.get(0).getMethod().getName(), 1,
                        Integer::sum);
            }
        }
        System.out.printf("%d execution samples (Java threads)%n", total);
        int all = total;
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(12)
                .forEach(e -> System.out.printf("  %5.1f %%  %s%n", 100.0 * e.getValue() / all, e.getKey()));
        System.out.println("hottest methods (top frame):");
        hot.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(12)
                .forEach(e -> System.out.printf("  %5.1f %%  %s%n", 100.0 * e.getValue() / all, e.getKey()));
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
