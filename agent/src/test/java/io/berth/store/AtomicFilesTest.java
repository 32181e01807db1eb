package io.berth.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files on flash: write-temp-fsync-rename, owner-only, and nothing at all when the content is unchanged. */
class AtomicFilesTest {

    @TempDir
    Path dir;

    private static final FileTime LONG_AGO = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));

    @Test
    void writesTheContent() throws IOException {
        Path file = dir.resolve("desired.json");
        assertTrue(AtomicFiles.write(file, bytes("{\"revision\":1}")));
        assertEquals("{\"revision\":1}", Files.readString(file));
    }

    @Test
    void theFileIsReadableByItsOwnerOnly() throws IOException {
        Path file = dir.resolve("desired.json");
        AtomicFiles.write(file, bytes("secret"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void rewritingAWiderFileMakesItOwnerOnly() throws IOException {
        Path file = dir.resolve("desired.json");
        Files.writeString(file, "old");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(AtomicFiles.write(file, bytes("new")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("new", Files.readString(file));
    }

    @Test
    void theSameContentIsNotWrittenAgain() throws IOException {
        Path file = dir.resolve("desired.json");
        assertTrue(AtomicFiles.write(file, bytes("{\"revision\":1}")));
        Files.setLastModifiedTime(file, LONG_AGO);
        Object inode = Files.readAttributes(file, "unix:ino").get("ino");

        assertFalse(AtomicFiles.write(file, bytes("{\"revision\":1}")));

        assertEquals(LONG_AGO, Files.getLastModifiedTime(file), "the file must not be touched");
        assertEquals(inode, Files.readAttributes(file, "unix:ino").get("ino"), "the file must not be replaced");
        assertEquals(List.of(file.getFileName().toString()), names());
    }

    @Test
    void otherContentReplacesTheFile() throws IOException {
        Path file = dir.resolve("desired.json");
        AtomicFiles.write(file, bytes("{\"revision\":1}"));
        Files.setLastModifiedTime(file, LONG_AGO);
        assertTrue(AtomicFiles.write(file, bytes("{\"revision\":2}")));
        assertEquals("{\"revision\":2}", Files.readString(file));
        assertTrue(Files.getLastModifiedTime(file).compareTo(LONG_AGO) > 0);
    }

    @Test
    void aShorterContentLeavesNoTail() throws IOException {
        Path file = dir.resolve("desired.json");
        AtomicFiles.write(file, bytes("a much longer first version"));
        AtomicFiles.write(file, bytes("short"));
        assertEquals("short", Files.readString(file));
    }

    @Test
    void noTempFileIsLeftBehind() throws IOException {
        Path file = dir.resolve("desired.json");
        AtomicFiles.write(file, bytes("one"));
        AtomicFiles.write(file, bytes("two"));
        AtomicFiles.write(file, bytes("two"));
        assertEquals(List.of("desired.json"), names());
    }

    @Test
    void aTempFileLeftByACrashIsOverwrittenAndGone() throws IOException {
        Path file = dir.resolve("desired.json");
        Files.writeString(dir.resolve(".desired.json.tmp"), "half-written garbage from before a power cut, longer");
        assertTrue(AtomicFiles.write(file, bytes("whole")));
        assertEquals("whole", Files.readString(file));
        assertEquals(List.of("desired.json"), names());
    }

    @Test
    void createsMissingDirectories() throws IOException {
        Path file = dir.resolve("state/records/last.json");
        assertTrue(AtomicFiles.write(file, bytes("{}")));
        assertEquals("{}", Files.readString(file));
    }

    @Test
    void emptyAndBinaryContent() throws IOException {
        Path file = dir.resolve("blob");
        byte[] binary = {0, 1, (byte) 0xff, 10, 13};
        assertTrue(AtomicFiles.write(file, binary));
        assertArrayEquals(binary, Files.readAllBytes(file));
        assertTrue(AtomicFiles.write(file, new byte[0]));
        assertEquals(0, Files.size(file));
        assertFalse(AtomicFiles.write(file, new byte[0]));
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
