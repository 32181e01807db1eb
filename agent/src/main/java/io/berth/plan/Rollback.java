package io.berth.plan;

/** A revision that was rolled back to the last good one, and why. */
public record Rollback(long revision, String reason) {}
