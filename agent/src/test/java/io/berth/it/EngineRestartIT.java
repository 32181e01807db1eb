package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The engine restarted (dockerd stopped and started) in the middle of an update, on a dockerd of
 * the test's own: the agent converges with exactly one container per service, nothing kept.
 * Alone (the agent pom's "alone" Failsafe execution, nothing else running): the restart deletes the
 * host's docker0 until {@link PrivateEngine#restart} puts it back, and a container of another IT on
 * the main engine's default bridge would lose it meanwhile.
 */
@Tag("alone")
class EngineRestartIT extends WithTestDevice {

    @Test
    void anEngineRestartedMidUpdateConvergesWithOneContainerPerService() throws Exception {
        try (PrivateEngine engine = PrivateEngine.start()) {
            device.env.put("BERTH_DOCKER_HOST", engine.host);
            String web = "web-" + device.id;
            String db = "db-" + device.id;
            TestBroker broker = device.broker();
            device.startAgent();
            String document = """
                    {"revision": %1$d, "services": {
                      "%2$s": {"image": "%4$s", "command": ["sleep", "%5$d"], "restart": "unless-stopped"},
                      "%3$s": {"image": "%4$s", "command": ["sleep", "%5$d"], "restart": "unless-stopped",
                               "depends_on": ["%2$s"]}}}""";
            broker.publishDesired(document.formatted(1, db, web, ReconcileIT.IMAGE_V1, 3600));
            broker.awaitReported("revision 1 on the private engine", r -> TestBroker.converged(r, 1),
                    Duration.ofSeconds(120));

            broker.publishDesired(document.formatted(2, db, web, ReconcileIT.IMAGE_V1, 3601));
            Await.until("a container kept mid-update", () -> names(engine).stream()
                    .anyMatch(n -> n.endsWith("-berth-previous")) ? Boolean.TRUE : null,
                    Duration.ofSeconds(60), () -> names(engine).toString());
            engine.restart();

            broker.awaitReported("revision 2 after the engine restart", r -> TestBroker.converged(r, 2),
                    Duration.ofSeconds(180));
            assertEquals(List.of(db, web), names(engine), "exactly one container per service, nothing kept");
            for (String name : List.of(db, web)) {
                assertEquals("running", engine.docker("inspect", "-f", "{{.State.Status}}", name).out());
                assertEquals("sleep 3601", engine.docker("inspect", "-f", "{{join .Config.Cmd \" \"}}", name).out());
            }
        }
    }

    private static List<String> names(PrivateEngine engine) {
        return engine.docker("ps", "-a", "--format", "{{.Names}}").out().lines().sorted().toList();
    }
}
