package io.berth.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** One of the test scripts in provisioning/deb, run on a package: it must exit 0. */
final class DebScript {
    private DebScript() {}

    /** Runs {@code deb/SCRIPT DEB} (at most {@code minutes}), prints its output and asserts it exited 0. */
    static void passes(String script, Path deb, long minutes) throws Exception {
        Process p = new ProcessBuilder("deb/" + script, deb.toString()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        System.out.print(out);
        assertEquals(0, p.exitValue(), out);
    }
}
