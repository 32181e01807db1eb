package io.berth.sideload;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bytes of one sideload archive, readable from the start as often as checking and loading
 * need: a file an operator made ({@code berth bundle create}), or the agent's own spool of what
 * the CLI streamed over the control socket ({@link Spool}), which nobody else can change
 * between the check and the load.
 */
public interface ArchiveSource {
    /** A new stream over the whole archive, from its first byte. */
    InputStream open() throws IOException;

    /** What to call it in messages. */
    String name();

    static ArchiveSource of(Path file) {
        return new ArchiveSource() {
            @Override
            public InputStream open() throws IOException {
                return Files.newInputStream(file);
            }

            @Override
            public String name() {
                return file.toString();
            }
        };
    }
}
