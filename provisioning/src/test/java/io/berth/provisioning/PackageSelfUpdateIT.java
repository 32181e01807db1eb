package io.berth.provisioning;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The agent updating itself, end to end, by {@code provisioning/deb/test-agent-update} on the
 * amd64 .deb the build made: three builds relabelled from it (A, B, and C whose agent cannot
 * start); A installed, its agent under a supervisor loop running one container; B and C pushed
 * to the dev registry with {@code berth fleet agent-package push}; {@code berth fleet agent-update
 * --wait} to B completes with the agent reporting B (dpkg has B, the container never stopped); to
 * C with a 40 s timeout it halts, C's agent not coming back, B reinstalled and the update
 * reported failed. In this
 * module beside {@link PackageIT}: Failsafe runs the two one after the other (no parallel
 * execution is configured), and each refuses to start while berth is installed.
 */
class PackageSelfUpdateIT {

    @Test
    void updatesToANewVersionAndFallsBackFromOneThatDoesNotStart() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "installing a package needs root");
        Path deb = Path.of(System.getProperty("berth.deb"));
        assumeTrue(Files.exists(deb), "no package built (-Dberth.deb.skip)");
        DebScript.passes("test-agent-update", deb, 10);
    }
}
