package io.berth.reconcile;

/** A revision that was rolled back to the last good one, and why. */
public record Rollback(long revision, String reason) {}
