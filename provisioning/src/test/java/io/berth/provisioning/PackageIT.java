package io.berth.provisioning;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The amd64 .deb the build made, installed on this machine and purged again, by
 * {@code provisioning/deb/test-install} (contents, systemd-analyze verify, install, the
 * installed launcher on the package's own Java runtime: {@code berth version}, which must print
 * the package's version, and {@code berth doctor}, which must name each of its checks and end with a verdict that matches
 * its exit code, journal priorities, berth-enroll, an upgrade over an older build with a running
 * agent whose container must keep running and be adopted, the config unchanged and no prompt,
 * the berth group's read-only access, remove, purge).
 */
class PackageIT {

    @Test
    void installsRunsAndPurges() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "installing a package needs root");
        DebScript.passes("test-install", Path.of(System.getProperty("berth.deb")), 5);
    }
}
