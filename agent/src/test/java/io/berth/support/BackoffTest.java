package io.berth.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Capped exponential backoff with jitter in [d/2, d], d = min(cap, base·2ⁿ⁻¹); seeded, no sleeping. */
class BackoffTest {

    private static final Duration BASE = Duration.ofSeconds(1);
    private static final Duration CAP = Duration.ofMinutes(5);
    private static final int SAMPLES = 2_000;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 42, 20261122})
    void everyDelayIsWithinHalfToFullOfTheCeiling(long seed) {
        RandomGenerator random = new SplittableRandom(seed);
        for (int failures = 1; failures <= 20; failures++) {
            long ceiling = ceilingMillis(failures);
            for (int i = 0; i < SAMPLES / 20; i++) {
                long delay = Backoff.delay(failures, BASE, CAP, random).toMillis();
                assertTrue(delay >= ceiling / 2 && delay <= ceiling,
                        "failure " + failures + ": " + delay + " ms not in [" + ceiling / 2 + ", " + ceiling + "]");
            }
        }
    }

    @Test
    void theCeilingDoublesWithEachFailure() {
        RandomGenerator random = new SplittableRandom(7);
        long previousMax = 0;
        for (int failures = 1; failures <= 8; failures++) {
            long max = 0;
            long min = Long.MAX_VALUE;
            for (int i = 0; i < SAMPLES; i++) {
                long d = Backoff.delay(failures, BASE, CAP, random).toMillis();
                max = Math.max(max, d);
                min = Math.min(min, d);
            }
            long ceiling = 1000L << (failures - 1);
            // with 2000 uniform draws the extremes come within 1% of the bounds
            assertTrue(max > ceiling * 0.99, "failure " + failures + ": max " + max + " vs ceiling " + ceiling);
            assertTrue(min < ceiling / 2 + ceiling * 0.01, "failure " + failures + ": min " + min);
            if (previousMax > 0) {
                assertTrue(max > previousMax * 1.9, "doubles: " + previousMax + " then " + max);
            }
            previousMax = max;
        }
    }

    @Test
    void isCappedAndStaysCappedForAnyNumberOfFailures() {
        RandomGenerator random = new SplittableRandom(3);
        for (int failures : new int[] {10, 20, 31, 32, 63, 64, 1_000, Integer.MAX_VALUE}) {
            for (int i = 0; i < 100; i++) {
                Duration d = Backoff.delay(failures, BASE, CAP, random);
                assertTrue(d.compareTo(CAP) <= 0 && d.compareTo(CAP.dividedBy(2)) >= 0,
                        failures + " failures: " + d);
            }
        }
    }

    @Test
    void zeroOrNegativeFailuresCountAsTheFirst() {
        RandomGenerator random = new SplittableRandom(5);
        for (int failures : new int[] {0, -1}) {
            Duration d = Backoff.delay(failures, BASE, CAP, random);
            assertTrue(d.toMillis() >= 500 && d.toMillis() <= 1000, d::toString);
        }
    }

    @Test
    void theSameSeedGivesTheSameDelays() {
        assertEquals(delays(new SplittableRandom(99)), delays(new SplittableRandom(99)));
    }

    @Test
    void delaysAreJittered() {
        Set<Duration> seen = new HashSet<>();
        RandomGenerator random = new SplittableRandom(11);
        for (int i = 0; i < 50; i++) {
            seen.add(Backoff.delay(4, BASE, CAP, random));
        }
        assertTrue(seen.size() > 40, "a fleet must not come back in step: " + seen.size() + " distinct of 50");
    }

    @Test
    void aCapBelowTheBaseWins() {
        RandomGenerator random = new SplittableRandom(1);
        Duration d = Backoff.delay(1, Duration.ofMinutes(10), Duration.ofSeconds(4), random);
        assertTrue(d.toMillis() >= 2000 && d.toMillis() <= 4000, d::toString);
    }

    private static List<Duration> delays(RandomGenerator random) {
        List<Duration> out = new ArrayList<>();
        for (int failures = 1; failures <= 12; failures++) {
            out.add(Backoff.delay(failures, BASE, CAP, random));
        }
        return out;
    }

    private static long ceilingMillis(int failures) {
        return Math.min(CAP.toMillis(), BASE.toMillis() << Math.min(failures - 1, 30));
    }
}
