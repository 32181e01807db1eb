package io.berth.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The technician's terminal in raw mode for {@code berth exec} with a TTY (keys go to the
 * container as typed, Ctrl-C included), restored on close. Java cannot set terminal modes
 * itself, so this runs {@code stty} on {@code /dev/tty}, as shells do.
 */
class RawTerminal implements AutoCloseable {
    static final RawTerminal NONE = new RawTerminal(null);

    private final String saved;

    private RawTerminal(String saved) {
        this.saved = saved;
    }

    /** Raw mode now; {@link #NONE} when {@code stty} is not there. */
    static RawTerminal enter() {
        try {
            String saved = stty("-g").trim();
            stty("raw", "-echo");
            return new RawTerminal(saved);
        } catch (IOException e) {
            return NONE;
        }
    }

    /** Rows and columns of the terminal, when known. */
    Optional<int[]> size() {
        if (saved == null) {
            return Optional.empty();
        }
        try {
            String[] hw = stty("size").trim().split("\\s+");
            return Optional.of(new int[] {Integer.parseInt(hw[0]), Integer.parseInt(hw[1])});
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        if (saved != null) {
            try {
                stty(saved);
            } catch (IOException e) {
                System.err.println("berth exec: cannot restore the terminal; type 'reset'");
            }
        }
    }

    private static String stty(String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "stty \"$@\" < /dev/tty", "stty");
        pb.command().addAll(java.util.List.of(args));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException("stty " + String.join(" ", args) + ": " + out.trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return out;
    }
}
