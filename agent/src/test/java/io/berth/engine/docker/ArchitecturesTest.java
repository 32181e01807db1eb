package io.berth.engine.docker;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ArchitecturesTest {

    @Test
    void sameArchitectureRuns() {
        assertNull(Architectures.cannotRun("amd64", "x86_64", Set.of()));
        assertNull(Architectures.cannotRun("arm64", "aarch64", Set.of()));
        assertNull(Architectures.cannotRun("arm", "armv7l", Set.of()));
    }

    @Test
    void aForeignArchitectureIsExplained() {
        String why = Architectures.cannotRun("arm64", "x86_64", Set.of("status"));
        assertTrue(why.contains("linux/arm64") && why.contains("linux/amd64") && why.contains("exec format error"), why);
    }

    @Test
    void anEmulatorOrA32BitSiblingRuns() {
        assertNull(Architectures.cannotRun("arm64", "x86_64", Set.of("qemu-aarch64")));
        assertNull(Architectures.cannotRun("arm", "aarch64", Set.of()));
        assertNull(Architectures.cannotRun(null, "x86_64", Set.of()));
        assertNull(Architectures.cannotRun("", "x86_64", Set.of()));
    }
}
