package io.berth.cli;

import io.berth.support.Args;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Files a verb writes ({@code -o FILE}, {@code --out}): an existing one is replaced only with {@code --force}. */
final class OutputFiles {
    private OutputFiles() {}

    /** Fails with a usage error when {@code file} exists and {@code force} is not set. */
    static void check(Path file, boolean force) throws Args.UsageException {
        if (!force && Files.exists(file)) {
            throw new Args.UsageException(file + " exists already; give another file or --force to replace it");
        }
    }

    /**
     * Puts the finished {@code temp} in place as {@code file}. Without {@code force} it never
     * replaces a file, even one that appeared since {@link #check} (a hard link fails when the
     * name exists, where a rename would replace it); with it, an atomic rename replaces one.
     */
    static void place(Path temp, Path file, boolean force) throws IOException {
        if (force) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        try {
            Files.createLink(file, temp);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(temp);
            throw new FileAlreadyExistsException(file + " exists already; give another file or --force to replace it");
        } catch (UnsupportedOperationException | FileSystemException e) {
            // no hard links on this file system (vfat on an SD card): a move that refuses an existing name
            try {
                Files.move(temp, file);
            } catch (IOException moveFailed) {
                Files.deleteIfExists(temp);
                throw moveFailed;
            }
            return;
        }
        Files.delete(temp);
    }
}
