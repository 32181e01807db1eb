package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The checks of {@code berth doctor} that read the host itself rather than ask the agent or the
 * engine: free space and inodes of the engine's and Berth's data, memory, the clock (against
 * the build date and NTP), the permissions of the state dir, the stored document and the
 * control socket, and the cgroup controllers that limits need. Each adds one {@link
 * Doctor.Check} with a fix; none needs the agent, so doctor still helps when it does not run.
 */
final class HostChecks {
    private static final long GIB = 1024L * 1024 * 1024;
    private static final long MIB = 1024L * 1024;

    private final List<Doctor.Check> checks;
    private final boolean agentAnswers;

    /**
     * @param checks       where each check's result is added
     * @param agentAnswers the agent answered doctor (then a missing state dir or socket is worse)
     */
    HostChecks(List<Doctor.Check> checks, boolean agentAnswers) {
        this.checks = checks;
        this.agentAnswers = agentAnswers;
    }

    private void add(String name, String level, String message, String fix) {
        checks.add(new Doctor.Check(name, level, message, fix));
    }

    void disk(String name, Path path) {
        Path existing = path;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            add(name, "warn", path + " does not exist", "create it or fix the configuration");
            return;
        }
        try {
            FileStore store = Files.getFileStore(existing);
            long free = store.getUsableSpace();
            long total = store.getTotalSpace();
            String message = path + ": " + free / MIB + " MiB free of " + total / MIB + " MiB";
            String level = free < 200 * MIB ? "fail" : free < GIB || free * 10 < total ? "warn" : "ok";
            long[] inodes = inodes(existing);
            if (inodes != null) {
                message += ", " + inodes[0] + " inodes free of " + inodes[1];
                if (inodes[1] > 0 && inodes[0] < 1000) {
                    level = "fail";
                } else if (inodes[1] > 0 && inodes[0] * 20 < inodes[1] && level.equals("ok")) {
                    level = "warn";
                }
            }
            add(name, level, message, "free space: docker image prune, remove orphan volumes, or a bigger card");
        } catch (IOException e) {
            add(name, "warn", "cannot read free space of " + path + ": " + e.getMessage(), null);
        }
    }

    /** Free and total inodes from {@code df -Pi}, or null when df is not there. */
    private static long[] inodes(Path path) {
        String text = HostCommand.run(List.of("df", "-Pi", path.toString()));
        if (text == null) {
            return null;
        }
        String[] lines = text.strip().split("\n");
        String[] cols = lines[lines.length - 1].trim().split("\\s+");
        try {
            return new long[] {Long.parseLong(cols[3]), Long.parseLong(cols[1])};
        } catch (RuntimeException e) {
            return null;
        }
    }

    void memory() {
        try {
            long total = 0;
            long available = 0;
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                String[] cols = line.split("\\s+");
                if (line.startsWith("MemTotal:")) {
                    total = Long.parseLong(cols[1]) * 1024;
                } else if (line.startsWith("MemAvailable:")) {
                    available = Long.parseLong(cols[1]) * 1024;
                }
            }
            String level = available < 32 * MIB ? "fail" : available < 100 * MIB ? "warn" : "ok";
            add("memory", level, available / MIB + " MiB available of " + total / MIB + " MiB",
                    "lower the services' mem_limit or stop unneeded services");
        } catch (IOException | RuntimeException e) {
            add("memory", "warn", "cannot read /proc/meminfo", null);
        }
    }

    void clock() {
        Instant now = Instant.now();
        Instant built = buildTime();
        if (built != null && now.isBefore(built.minus(Duration.ofDays(1)))) {
            add("clock", "fail", "the clock says " + now + ", before this Berth was built (" + built + ")",
                    "set the time (timedatectl set-ntp true, or date -s); TLS and logs need a sane clock");
            return;
        }
        String sync = HostCommand.run(List.of("timedatectl", "show", "-p", "NTPSynchronized", "--value"));
        if (sync != null && sync.strip().equals("yes")) {
            add("clock", "ok", now + ", NTP synchronised", null);
        } else if (sync != null && sync.strip().equals("no")) {
            add("clock", "warn", now + ", NTP not synchronised", "timedatectl set-ntp true, and let UDP 123 out");
        } else {
            add("clock", "ok", now + " (after the build date; NTP state unknown on this system)", null);
        }
    }

    /** When the running jar was built: its file time (good enough for a clock that reset to 1970). */
    private static Instant buildTime() {
        try {
            var source = HostChecks.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return null;
            }
            return Files.getLastModifiedTime(Path.of(source.getLocation().toURI())).toInstant();
        } catch (Exception e) {
            return null;
        }
    }

    void permissions(Path stateDir, Path socket) {
        try {
            if (!Files.isDirectory(stateDir)) {
                add("state dir", agentAnswers ? "fail" : "warn", stateDir + " does not exist",
                        "the agent creates it at start; check BERTH_STATE_DIR");
            } else {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(stateDir);
                boolean open = perms.contains(PosixFilePermission.OTHERS_READ)
                        || perms.contains(PosixFilePermission.OTHERS_WRITE);
                add("state dir", open ? "warn" : "ok", stateDir + " " + PosixFilePermissions.toString(perms)
                        + (Files.isWritable(stateDir) ? "" : " (not writable by this user)"), "chmod 700 " + stateDir);
                Path desired = stateDir.resolve("desired.json");
                if (Files.exists(desired)) {
                    Set<PosixFilePermission> p = Files.getPosixFilePermissions(desired);
                    boolean secret = p.equals(PosixFilePermissions.fromString("rw-------"));
                    add("credentials", secret ? "ok" : "fail", desired + " " + PosixFilePermissions.toString(p),
                            "chmod 600 " + desired + " (it may hold registry passwords)");
                }
            }
        } catch (IOException e) {
            add("state dir", "warn", "cannot read the permissions of " + stateDir + ": " + e.getMessage(),
                    "run berth doctor as root");
        }
        try {
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                Set<PosixFilePermission> p = Files.getPosixFilePermissions(socket);
                boolean others = p.contains(PosixFilePermission.OTHERS_READ)
                        || p.contains(PosixFilePermission.OTHERS_WRITE);
                add("socket", others ? "fail" : "ok", socket + " " + PosixFilePermissions.toString(p),
                        "chmod 660 " + socket + " (anyone who can write it controls the device)");
            } else if (agentAnswers) {
                add("socket", "warn", socket + " missing though the agent answers", null);
            }
        } catch (IOException e) {
            add("socket", "warn", "cannot read the permissions of " + socket + ": " + e.getMessage(), null);
        }
    }

    void cgroups(JsonNode info) {
        Path v2 = Path.of("/sys/fs/cgroup/cgroup.controllers");
        boolean memory;
        boolean cpu;
        String version;
        try {
            if (Files.exists(v2)) {
                String controllers = Files.readString(v2, StandardCharsets.UTF_8);
                memory = controllers.contains("memory");
                cpu = controllers.contains("cpu");
                version = "v2";
            } else {
                memory = Files.isDirectory(Path.of("/sys/fs/cgroup/memory"));
                cpu = Files.isDirectory(Path.of("/sys/fs/cgroup/cpu"));
                version = "v1";
            }
        } catch (IOException e) {
            add("cgroups", "warn", "cannot read /sys/fs/cgroup: " + e.getMessage(), null);
            return;
        }
        if (info != null) {
            memory &= info.path("MemoryLimit").asBoolean(true);
            cpu &= info.path("CpuCfsQuota").asBoolean(true);
        }
        add("cgroups", memory && cpu ? "ok" : "warn", "cgroup " + version + ", memory controller "
                + (memory ? "present" : "missing") + ", cpu controller " + (cpu ? "present" : "missing"),
                "enable them on the kernel command line: cgroup_enable=memory cgroup_memory=1 (Raspberry Pi: "
                        + "/boot/cmdline.txt); without them mem_limit and cpus are ignored");
    }
}
