package io.berth.cli;

import io.berth.support.Args;
import java.nio.file.Files;
import java.nio.file.Path;

/** Files a verb writes ({@code -o FILE}, {@code --out}): an existing one is replaced only with {@code --force}. */
final class OutputFiles {
    private OutputFiles() {}

    /** Fails with a usage error when {@code file} exists and {@code force} is not set. */
    static void check(Path file, boolean force) throws Args.UsageException {
        if (!force && Files.exists(file)) {
            throw new Args.UsageException(file + " exists already; give another file or --force to replace it");
        }
    }
}
