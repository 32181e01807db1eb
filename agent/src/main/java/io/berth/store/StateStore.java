package io.berth.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The agent's state dir: the last accepted desired document ({@code desired.json}, mode 0600
 * since it may hold registry credentials) and the agent's own records.
 */
public final class StateStore {
    private static final String DESIRED = "desired.json";
    private static final String PAUSED = "paused";
    private static final String SOURCE = "desired.source";
    private static final String GOOD = "good.json";
    private static final String ROLLED_BACK = "rolled-back.json";

    private static final String OVERRIDES = "overrides.json";
    private final Path dir;

    public StateStore(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** Creates the state dir (mode 0700) if missing; fails with a clear message if it cannot be written. */
    public void prepare() throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        if (!Files.isWritable(dir)) {
            throw new IOException("the state dir " + dir + " is not writable by this user");
        }
    }

    public Optional<byte[]> loadDesired() throws IOException {
        return read(DESIRED);
    }

    /** Stores the accepted document before anything changes; a no-op when it is already there. */
    public void saveDesired(byte[] document) throws IOException {
        AtomicFiles.write(dir.resolve(DESIRED), document);
    }

    /** The highest accepted revision and its content hash, kept apart from {@code desired.json}. */
    public Optional<RevisionFloor> loadRevisionFloor() throws IOException {
        return RevisionFloor.load(dir);
    }

    /** Raises the floor; never lowers it (a lower one is ignored). */
    public void saveRevisionFloor(RevisionFloor floor) throws IOException {
        Optional<RevisionFloor> current;
        try {
            current = loadRevisionFloor();
        } catch (IOException corrupt) {
            current = Optional.empty();
        }
        if (current.isPresent() && current.get().revision() > floor.revision()) {
            return;
        }
        floor.save(dir);
    }

    /**
     * Records the stored document as the last one that converged (the revision a failed update
     * rolls back to). A copy of {@code desired.json}, mode 0600 like it.
     */
    public void saveGood() throws IOException {
        AtomicFiles.write(dir.resolve(GOOD), Files.readAllBytes(dir.resolve(DESIRED)));
    }

    /** The last document that converged, or empty. */
    public Optional<byte[]> loadGood() throws IOException {
        return read(GOOD);
    }

    /** Records (JSON, or null to clear) that the stored document was rolled back and must not be retried. */
    public void saveRolledBack(byte[] record) throws IOException {
        writeOrDelete(ROLLED_BACK, record);
    }

    /** Writes a file of the state dir atomically, or removes it when {@code content} is null. */
    private void writeOrDelete(String name, byte[] content) throws IOException {
        if (content == null) {
            Files.deleteIfExists(dir.resolve(name));
        } else {
            AtomicFiles.write(dir.resolve(name), content);
        }
    }

    public Optional<byte[]> loadRolledBack() throws IOException {
        return read(ROLLED_BACK);
    }

    private Optional<byte[]> read(String name) throws IOException {
        try {
            return Optional.of(Files.readAllBytes(dir.resolve(name)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Whether a technician paused reconciliation ({@code berth pause}); survives restarts. */
    public boolean paused() {
        return Files.exists(dir.resolve(PAUSED));
    }

    public void setPaused(boolean paused) throws IOException {
        if (paused) {
            AtomicFiles.write(dir.resolve(PAUSED), "paused by berth pause; berth resume removes this file\n"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } else {
            Files.deleteIfExists(dir.resolve(PAUSED));
        }
    }

    /** The technician's local overrides of the stored document ({@code berth stop}/{@code start}), or empty. */
    public Optional<byte[]> loadOverrides() throws IOException {
        return read(OVERRIDES);
    }

    /** Records the local overrides (JSON), or removes them (null). */
    public void saveOverrides(byte[] overrides) throws IOException {
        writeOrDelete(OVERRIDES, overrides);
    }

    /** Where the stored document came from ({@code mqtt}, {@code cli}), or empty. */
    public Optional<String> loadSource() throws IOException {
        return read(SOURCE).map(bytes -> new String(bytes, java.nio.charset.StandardCharsets.UTF_8).trim());
    }

    public void saveSource(String source) throws IOException {
        AtomicFiles.write(dir.resolve(SOURCE), source.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
