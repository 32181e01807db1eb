package io.berth.agent;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The signatures of the signed commands this device has run, each kept until its command
 * expires (at most {@link io.berth.spec.Signatures#MAX_COMMAND_LIFETIME}), so a command read off
 * the broker cannot be sent again. Bounded: when full of unexpired ones, new commands are
 * refused until some expire, never forgotten early (which would reopen their replay).
 */
final class SeenSignatures {
    static final int MAX = 256;

    private final Map<String, Instant> seen = new HashMap<>();

    /** Records {@code signature} until {@code expires}; null when it was new, else why it is refused. */
    synchronized String record(String signature, Instant expires, Instant now) {
        seen.values().removeIf(until -> now.isAfter(until));
        if (seen.containsKey(signature)) {
            return "this signed command was already run (a replay): sign a new one (berth cmd --sign-key)";
        }
        if (seen.size() >= MAX) {
            return MAX + " signed commands were run within their lifetime; try again when the oldest expires";
        }
        seen.put(signature, expires);
        return null;
    }
}
