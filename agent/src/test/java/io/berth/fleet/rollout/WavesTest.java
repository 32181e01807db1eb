package io.berth.fleet.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** --waves sizes are cumulative counts or percentages; --max-failures a count or a percentage. */
class WavesTest {

    private static List<String> devices(int n) {
        return IntStream.range(0, n).mapToObj(i -> "d" + i).toList();
    }

    private static List<Integer> sizes(String spec, int n) {
        return Waves.plan(spec, devices(n)).stream().map(w -> w.devices().size()).toList();
    }

    @Test
    void cumulativeSizes() {
        assertEquals(List.of(1, 4, 45), sizes("1,10%,100%", 50));
        assertEquals(List.of(1, 2), sizes("1,100%", 3));
        assertEquals(List.of(3), sizes("100%", 3));
        assertEquals(List.of(1, 2), sizes("1,10%,100%", 3), "an empty wave is left out");
        assertEquals(List.of(2, 3, 5), sizes("2,5", 10), "the rest forms a last wave");
        assertEquals(List.of(1, 999), sizes("0.1%,100%", 1000));
        assertEquals(List.of(1), sizes("5,100%", 1), "sizes beyond the fleet are clamped");
    }

    @Test
    void theWavesKeepTheOrder() {
        List<Rollout.Wave> waves = Waves.plan("1,100%", List.of("c", "a", "b"));
        assertEquals(List.of("c"), waves.get(0).devices());
        assertEquals(List.of("a", "b"), waves.get(1).devices());
    }

    @Test
    void badSizesSayWhich() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> sizes("1,x,100%", 5)).getMessage()
                .contains("'x' is neither a count"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> sizes("50%,1", 10)).getMessage()
                .contains("must not shrink"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> sizes("150%", 10)).getMessage()
                .contains("from 0% to 100%"));
    }

    @Test
    void maxFailures() {
        assertEquals(0, Waves.maxFailures("0", 10));
        assertEquals(3, Waves.maxFailures("3", 10));
        assertEquals(1, Waves.maxFailures("10%", 19), "rounded down");
        assertEquals(0, Waves.maxFailures("10%", 5));
    }
}
