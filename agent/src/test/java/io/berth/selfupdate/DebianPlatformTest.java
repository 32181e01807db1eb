package io.berth.selfupdate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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

    @Test
    void aPackageAnAdminHeldIsInstalled() {
        assertTrue(DebianPlatform.installed("install ok installed"));
        assertTrue(DebianPlatform.installed("hold ok installed"), "apt-mark hold berth");
        assertFalse(DebianPlatform.installed("install ok half-configured"));
        assertFalse(DebianPlatform.installed("deinstall ok config-files"));
        assertFalse(DebianPlatform.installed(null));
    }

    @Test
    void theArchitectureIsDpkgsOrElseJavasAsDebianNamesIt() {
        String arch = DebianPlatform.arch();
        assertTrue(List.of("amd64", "arm64", "armhf", "i386").contains(arch), arch);
        assertEquals("amd64\n", DebianPlatform.run(List.of("echo", "amd64"), Duration.ofSeconds(10)));
    }

    /** The bound holds against a command that never ends; the test's own limit only stops a hang. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCommandThatHangsIsStoppedAtItsTimeout() {
        assertEquals(null, DebianPlatform.run(List.of("sleep", "600"), Duration.ofMillis(300)));
    }
}
