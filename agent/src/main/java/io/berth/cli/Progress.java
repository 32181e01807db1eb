package io.berth.cli;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Progress of long work (pulls, loads, bundles) on stderr: a bar redrawn in place on a terminal,
 * as {@code docker pull} does; plain lines otherwise (a log, a pipe), one when a task starts,
 * every quarter of the way and when it ends, so a captured log stays short.
 */
final class Progress {
    private static final int WIDTH = 24;

    private final PrintStream err;
    private final boolean terminal;
    private final Map<String, Integer> quarters = new HashMap<>();
    private String drawn; // the task whose bar is on the current line, or null

    Progress(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** On a terminal (stderr is one, not a pipe) unless {@code TERM=dumb}. */
    static Progress detect(PrintStream err, Map<String, String> env) {
        return new Progress(err, System.console() != null && !"dumb".equals(env.get("TERM")));
    }

    /** How far a task is: {@code done} of {@code total} bytes ({@code total} ≤ 0: not known). */
    synchronized void update(String task, long done, long total) {
        if (terminal) {
            if (drawn != null && !drawn.equals(task)) {
                err.println();
            }
            err.print("\r" + line(task, done, total) + "\u001b[K");
            err.flush();
            drawn = task;
            return;
        }
        int quarter = total > 0 ? (int) Math.min(4, done * 4 / total) : 0;
        Integer last = quarters.put(task, quarter);
        if (last == null || quarter > last) {
            err.println(line(task, done, total));
        }
    }

    /** A task ended; its last line says {@code message}. */
    synchronized void done(String task, String message) {
        if (terminal && task.equals(drawn)) {
            err.print("\r\u001b[K");
            drawn = null;
        }
        quarters.remove(task);
        err.println(task + ": " + message);
    }

    /** A line of text between bars. */
    synchronized void say(String message) {
        if (terminal && drawn != null) {
            err.print("\r\u001b[K");
            drawn = null;
        }
        err.println(message);
    }

    static String line(String task, long done, long total) {
        if (total <= 0) {
            return task + ": " + bytes(done);
        }
        long clamped = Math.min(done, total);
        int filled = (int) (clamped * WIDTH / total);
        return task + ": [" + "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "")
                + "] " + bytes(clamped) + "/" + bytes(total) + " " + (clamped * 100 / total) + "%";
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        double v = n;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
