package io.berth.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        // read beside the wait: the script's output ends only when it (and whatever it left running) does
        java.io.ByteArrayOutputStream output = new java.io.ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try {
                p.getInputStream().transferTo(output);
            } catch (java.io.IOException e) {
                // the stream closed under a destroyed process: what came is kept
            }
        });
        reader.start();
        boolean ended = p.waitFor(minutes, TimeUnit.MINUTES);
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        reader.join(TimeUnit.SECONDS.toMillis(30));
        String out = output.toString(StandardCharsets.UTF_8);
        System.out.print(out);
        assertTrue(ended, "deb/" + script + " did not end within " + minutes + " min; its output:\n" + out);
        assertEquals(0, p.exitValue(), out);
    }
}
