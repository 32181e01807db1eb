package io.berth.selfupdate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DebianPlatformTest {
    @Test
    void javaArchitecturesAsDebianNamesThem() {
        assertEquals("amd64", DebianPlatform.fromOsArch("amd64"));
        assertEquals("amd64", DebianPlatform.fromOsArch("x86_64"));
        assertEquals("arm64", DebianPlatform.fromOsArch("aarch64"));
        assertEquals("armhf", DebianPlatform.fromOsArch("arm"));
        assertEquals("riscv64", DebianPlatform.fromOsArch("riscv64"));
    }
}
