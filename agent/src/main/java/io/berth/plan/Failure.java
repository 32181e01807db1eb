package io.berth.plan;

import java.time.Instant;

/**
 * A step that failed (for a service, a volume or a network): why, how often in a row, when to
 * try again (monotonic), and whether retrying can help at all.
 */
public record Failure(String message, int count, Instant notBefore, boolean terminal) {}
