package io.berth.logs;

import java.util.HashMap;
import java.util.Map;

/**
 * Where one container's lines stand: the time of the last line taken per stream, and the
 * latest of both (where following resumes). A line not after its stream's last one is one
 * seen already (json-file is in time order) and is counted, not forwarded. Duplicates are
 * judged per stream: dockerd stamps each stream's lines as it reads them, so across the two
 * streams the file is not in time order. {@code Long.MIN_VALUE}: nothing taken yet. Not
 * thread-safe: the {@link LogForwarder} that keeps one per container guards it.
 */
final class SeenLines {
    long latest;
    private long stdout;
    private long stderr;
    /** Any other stream name (the engine gives only the two). */
    private Map<String, Long> other;

    SeenLines(long since) {
        latest = since;
        stdout = since;
        stderr = since;
    }

    /** True (and the line is the stream's last) when it is after the stream's last line. */
    boolean take(String stream, long at) {
        if ("stdout".equals(stream)) {
            if (stdout != Long.MIN_VALUE && at <= stdout) {
                return false;
            }
            stdout = at;
        } else if ("stderr".equals(stream)) {
            if (stderr != Long.MIN_VALUE && at <= stderr) {
                return false;
            }
            stderr = at;
        } else {
            other = other == null ? new HashMap<>() : other;
            Long last = other.get(stream);
            if (last != null && at <= last) {
                return false;
            }
            other.put(stream, at);
        }
        latest = Math.max(latest, at);
        return true;
    }
}
