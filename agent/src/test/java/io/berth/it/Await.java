package io.berth.it;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for a condition in an integration test, with a message that says what was awaited and what was seen. */
public final class Await {
    private Await() {}

    public static <T> T until(String what, Supplier<T> probe, Duration timeout, Supplier<String> seen)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T value = probe.get();
            if (value != null && !Boolean.FALSE.equals(value)) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what + "; "
                        + seen.get());
            }
            Thread.sleep(100);
        }
    }
}
