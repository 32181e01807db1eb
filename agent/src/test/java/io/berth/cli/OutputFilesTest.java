package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** support-bundle and bundle create put their file in place without replacing one, unless --force. */
class OutputFilesTest {
    @TempDir
    Path dir;

    @Test
    void aFileThatAppearedAfterTheCheckIsNotReplacedWithoutForce() throws Exception {
        Path file = dir.resolve("berth-support-dev-20261122-100000.tar.gz");
        Path temp = Files.writeString(dir.resolve(".tmp"), "new");
        Files.writeString(file, "earlier bundle");
        assertThrows(FileAlreadyExistsException.class, () -> OutputFiles.place(temp, file, false));
        assertEquals("earlier bundle", Files.readString(file));
        assertFalse(Files.exists(temp));
    }

    @Test
    void withForceItIsReplaced() throws Exception {
        Path file = Files.writeString(dir.resolve("out.tar"), "old");
        Path temp = Files.writeString(dir.resolve(".tmp"), "new");
        OutputFiles.place(temp, file, true);
        assertEquals("new", Files.readString(file));
        assertFalse(Files.exists(temp));
    }

    @Test
    void aNewNameIsPlaced() throws Exception {
        Path file = dir.resolve("out.tar");
        Path temp = Files.writeString(dir.resolve(".tmp"), "new");
        OutputFiles.place(temp, file, false);
        assertEquals("new", Files.readString(file));
        assertFalse(Files.exists(temp));
    }
}
