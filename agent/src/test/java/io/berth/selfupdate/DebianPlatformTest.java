package io.berth.selfupdate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

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

    @Test
    void anAgentRunFromABuildTreeIsNotThePackagesEvenWhereThePackageIsInstalled() {
        assertFalse(DebianPlatform.runsFrom(DebianPlatform.PACKAGE_JAR), "tests run from target/");
        assertFalse(new DebianPlatform().installedFromPackage());
        assertTrue(DebianPlatform.runsFrom(Path.of(DebianPlatform.class.getProtectionDomain().getCodeSource()
                .getLocation().getPath()).toAbsolutePath().normalize()));
    }
}
