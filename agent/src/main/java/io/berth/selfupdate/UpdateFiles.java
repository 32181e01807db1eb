package io.berth.selfupdate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.store.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * The records of an agent update in {@code {stateDir}/agent-update/}, each written atomically:
 * {@code pending.json} (the old agent, before it runs the updater), {@code result.json} (the
 * updater script), {@code confirmed} (the new agent, once its first report was delivered: the
 * script waits for it) and {@code failed.json} (the updates that failed, not tried again for their
 * revision).
 */
final class UpdateFiles {
    /** The directory under the state dir; the updater script is given it as {@code --dir}. */
    static final String DIR = "agent-update";
    /** How many failures {@code failed.json} keeps: the newest. */
    static final int FAILURES_KEPT = 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The update the old agent started: from version {@code from} to {@code to}, given up at {@code deadline}. */
    record Pending(long revision, String from, String to, Instant startedAt, Instant deadline) {}

    /**
     * What the updater script says when it is done: {@code state} {@code installed} or {@code failed};
     * {@code revision} where the script names it, else null.
     */
    record Result(Long revision, String version, String state, String error, Instant time) {
        Result(String version, String state, String error, Instant time) {
            this(null, version, state, error, time);
        }

        boolean failed() {
            return "failed".equals(state);
        }
    }

    /** An update that failed: version {@code version} is not tried again for revision {@code revision}. */
    record Failure(long revision, String version, String error, Instant since) {}

    private final Path dir;
    /** The failures added through this instance: also those {@code failed.json} could not take (a read-only card). */
    private final List<Failure> added = new java.util.concurrent.CopyOnWriteArrayList<>();

    UpdateFiles(Path stateDir) {
        this.dir = stateDir.resolve(DIR);
    }

    Path dir() {
        return dir;
    }

    Path pendingFile() {
        return dir.resolve("pending.json");
    }

    /** The update under way, or null. An unreadable record is removed: nothing could act on it. */
    Pending pending() {
        JsonNode node = read(pendingFile());
        if (node == null) {
            return null;
        }
        Instant startedAt = instant(node.path("startedAt"));
        Instant deadline = instant(node.path("deadline"));
        if (!node.path("revision").canConvertToLong() || !node.path("from").isTextual() || !node.path("to").isTextual()
                || startedAt == null || deadline == null) {
            Logger.warn("{} is not a pending agent update record; removing it", pendingFile());
            removePending();
            return null;
        }
        return new Pending(node.path("revision").asLong(), node.path("from").asText(), node.path("to").asText(),
                startedAt, deadline);
    }

    void writePending(Pending p) throws IOException {
        ObjectNode node = JSON.createObjectNode().put("revision", p.revision()).put("from", p.from())
                .put("to", p.to()).put("startedAt", p.startedAt().toString()).put("deadline", p.deadline().toString());
        AtomicFiles.write(pendingFile(), bytes(node));
    }

    void removePending() {
        delete(pendingFile());
    }

    /** The updater script's result, or null when there is none (yet) or it cannot be read. */
    Result result() {
        JsonNode node = read(dir.resolve("result.json"));
        if (node == null || !node.path("version").isTextual() || !node.path("state").isTextual()) {
            return null;
        }
        return new Result(node.path("revision").canConvertToLong() ? node.path("revision").asLong() : null,
                node.path("version").asText(), node.path("state").asText(),
                node.path("error").isTextual() ? node.path("error").asText() : null, instant(node.path("time")));
    }

    void removeResult() {
        delete(dir.resolve("result.json"));
    }

    /** The version the new agent confirmed, or null. */
    String confirmed() {
        try {
            return Files.readString(dir.resolve("confirmed"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return null;
        }
    }

    void writeConfirmed(String version) throws IOException {
        AtomicFiles.write(dir.resolve("confirmed"), (version + "\n").getBytes(StandardCharsets.UTF_8));
    }

    void removeConfirmed() {
        delete(dir.resolve("confirmed"));
    }

    /**
     * {@code result.json} once it says {@code version} is installed, waiting up to {@code max} for it
     * (the updater writes it within a second of the confirmation; a failed one it rewrites when the
     * confirmation came as it gave up): woken by the file's changes, no polling. Whatever is there
     * (or null) when the time is up.
     */
    Result awaitInstalled(String version, Duration max) {
        Result now = result();
        if (installed(now, version) || max.isZero() || max.isNegative()) {
            return now;
        }
        long end = System.nanoTime() + max.toNanos();
        try (WatchService watch = dir.getFileSystem().newWatchService()) {
            dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            for (;;) {
                Result r = result();
                long left = end - System.nanoTime();
                if (installed(r, version) || left <= 0) {
                    return r;
                }
                WatchKey key = watch.poll(left, TimeUnit.NANOSECONDS);
                if (key == null) {
                    return result();
                }
                key.pollEvents();
                key.reset();
            }
        } catch (IOException e) {
            return result();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return result();
        }
    }

    private static boolean installed(Result r, String version) {
        return r != null && !r.failed() && r.version().equals(version);
    }

    /**
     * Whether the updater whose pid {@code lock} holds still runs: a pid that is gone, or now
     * another program's, does not count.
     */
    boolean updaterRunning() {
        String pid;
        try {
            pid = Files.readString(dir.resolve("lock"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return false;
        }
        if (!pid.matches("[1-9][0-9]{0,9}")) {
            return false;
        }
        return ProcessHandle.of(Long.parseLong(pid)).filter(ProcessHandle::isAlive)
                .map(h -> h.info().commandLine().map(c -> c.contains("agent-update")).orElse(true)).orElse(false);
    }

    /** The updates that failed, oldest first: {@code failed.json}'s, then those it could not take. */
    List<Failure> failures() {
        List<Failure> all = new ArrayList<>(recorded());
        for (Failure f : added) {
            if (all.stream().noneMatch(a -> a.revision() == f.revision() && a.version().equals(f.version()))) {
                all.add(f);
            }
        }
        return all;
    }

    private List<Failure> recorded() {
        JsonNode node = read(dir.resolve("failed.json"));
        List<Failure> out = new ArrayList<>();
        if (node != null && node.isArray()) {
            for (JsonNode f : node) {
                Instant since = instant(f.path("since"));
                if (f.path("revision").canConvertToLong() && f.path("version").isTextual() && since != null) {
                    out.add(new Failure(f.path("revision").asLong(), f.path("version").asText(),
                            f.path("error").asText(""), since));
                }
            }
        }
        return out;
    }

    /**
     * Records a failure (replacing one of the same revision and version); keeps the newest
     * {@link #FAILURES_KEPT}. Kept in memory first: {@link #failures()} has it even when the file
     * cannot be written.
     */
    void addFailure(Failure failure) throws IOException {
        List<Failure> all = failures();
        added.removeIf(f -> f.revision() == failure.revision() && f.version().equals(failure.version()));
        added.add(failure);
        if (added.size() > FAILURES_KEPT) {
            added.remove(0);
        }
        all.removeIf(f -> f.revision() == failure.revision() && f.version().equals(failure.version()));
        all.add(failure);
        ArrayNode list = JSON.createArrayNode();
        all.subList(Math.max(0, all.size() - FAILURES_KEPT), all.size()).forEach(f -> list.addObject()
                .put("revision", f.revision()).put("version", f.version()).put("error", f.error())
                .put("since", f.since().toString()));
        AtomicFiles.write(dir.resolve("failed.json"), bytes(list));
        added.clear(); // the file holds them now
    }

    /**
     * What an agent stopped mid-update leaves (a download, its partial {@code .part} files, the
     * script's temporary copy): removed at start when no update is under way.
     */
    void removeLeftovers() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var list = Files.list(dir)) {
            list.filter(f -> {
                String name = f.getFileName().toString();
                return name.equals(UpdateHandOver.DOWNLOAD) || name.equals(UpdaterScript.TEMP)
                        || name.startsWith(".") && name.endsWith(".part");
            }).forEach(UpdateFiles::delete);
        } catch (IOException | java.io.UncheckedIOException e) {
            Logger.warn("cannot look for leftovers of an agent update in {}: {}", dir, e.toString());
        }
    }

    /** Removes a file of this directory, if it is there. */
    void delete(String name) {
        delete(dir.resolve(name));
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            Logger.warn("cannot remove {}: {}", file, e.toString());
        }
    }

    private static JsonNode read(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JSON.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            Logger.warn("cannot read {}: {}", file, e.getMessage());
            return null;
        }
    }

    private static Instant instant(JsonNode node) {
        try {
            return node.isTextual() ? Instant.parse(node.asText()) : null;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static byte[] bytes(JsonNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }
}
