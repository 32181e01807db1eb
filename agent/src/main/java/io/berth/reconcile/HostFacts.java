package io.berth.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Cheap host figures for the report: memory and uptime from /proc, free disk where the state lives. */
public final class HostFacts {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path disk;
    private final long memChange;
    private final long diskChange;

    /**
     * @param memChange  a change of available memory smaller than this does not call for a report
     * @param diskChange the same for free disk
     */
    public HostFacts(Path disk, long memChange, long diskChange) {
        this.disk = disk;
        this.memChange = memChange;
        this.diskChange = diskChange;
    }

    /** Whether the figures moved enough since {@code before} to be worth a report of their own. */
    boolean changedEnough(ObjectNode before, ObjectNode now) {
        if (before == null) {
            return true;
        }
        return Math.abs(before.path("memAvailableBytes").asLong() - now.path("memAvailableBytes").asLong()) >= memChange
                || Math.abs(before.path("diskFreeBytes").asLong() - now.path("diskFreeBytes").asLong()) >= diskChange
                || before.path("memTotalBytes").asLong() != now.path("memTotalBytes").asLong();
    }

    ObjectNode read() {
        ObjectNode node = JSON.createObjectNode();
        long total = 0;
        long available = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    total = kiloBytes(line);
                } else if (line.startsWith("MemAvailable:")) {
                    available = kiloBytes(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc hidden: leave zeros
        }
        node.put("memTotalBytes", total).put("memAvailableBytes", available);
        long free = 0;
        try {
            Path existing = disk;
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            free = existing == null ? 0 : Files.getFileStore(existing).getUsableSpace();
        } catch (IOException e) {
            // unknown
        }
        node.put("diskFreeBytes", free);
        long uptime = 0;
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/uptime"));
            uptime = (long) Double.parseDouble(lines.get(0).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        node.put("uptimeSeconds", uptime);
        return node;
    }

    private static long kiloBytes(String line) {
        String[] parts = line.trim().split("\\s+");
        return Long.parseLong(parts[1]) * 1024;
    }
}
