package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Dependency order and terminal errors against the real engine and registry. */
class UpdateSafetyIT extends WithTestDevice {
    @Test
    void aDependantStartsOnlyOnceItsDependencyIsHealthy() throws Exception {
        String db = device.container("db");
        String api = device.container("api");
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired("""
                {"revision": 1, "services": {
                  "%1$s": {"image": "%3$s", "command": ["sh", "-c", "sleep 3; touch /tmp/ready; sleep 3600"],
                          "healthcheck": {"test": ["CMD", "test", "-f", "/tmp/ready"], "interval": "1s", "retries": 30}},
                  "%2$s": {"image": "%3$s", "command": ["sleep", "3600"],
                          "depends_on": {"%1$s": {"condition": "service_healthy"}}}}}
                """.formatted(db, api, ReconcileIT.IMAGE_V1));
        JsonNode reported = broker.awaitReported("converged", r -> TestBroker.converged(r, 1), Duration.ofSeconds(90));
        assertEquals("healthy", reported.path("services").path(db).path("health").asText());
        Instant dbStarted = Instant.parse(DockerCli.inspect(db, "{{.State.StartedAt}}"));
        Instant apiStarted = Instant.parse(DockerCli.inspect(api, "{{.State.StartedAt}}"));
        assertTrue(apiStarted.isAfter(dbStarted.plusSeconds(3)),
                "api started " + apiStarted + ", db " + dbStarted + ": api waited for db's healthcheck");
    }

    @Test
    void aDependantWithRestartTrueIsRestartedWhenItsDependencyIsReplaced() throws Exception {
        String db = device.container("db");
        String app = device.container("app");
        String plain = device.container("plain");
        TestBroker broker = device.broker();
        device.startAgent();
        String document = """
                {"revision": %4$d, "services": {
                  "%1$s": {"image": "%5$s", "command": ["sleep", "%6$s"]},
                  "%2$s": {"image": "%5$s", "command": ["sleep", "3600"],
                          "depends_on": {"%1$s": {"condition": "service_started", "restart": true}}},
                  "%3$s": {"image": "%5$s", "command": ["sleep", "3600"], "depends_on": ["%1$s"]}}}
                """;
        broker.publishDesired(document.formatted(db, app, plain, 1, ReconcileIT.IMAGE_V1, "3600"));
        broker.awaitReported("revision 1", r -> TestBroker.converged(r, 1), Duration.ofSeconds(90));
        String appStarted = DockerCli.inspect(app, "{{.State.StartedAt}}");
        String plainStarted = DockerCli.inspect(plain, "{{.State.StartedAt}}");
        String appId = DockerCli.inspect(app, "{{.Id}}");

        broker.publishDesired(document.formatted(db, app, plain, 2, ReconcileIT.IMAGE_V1, "3601"));
        broker.awaitReported("revision 2", r -> TestBroker.converged(r, 2), Duration.ofSeconds(90));
        Instant dbStarted = Instant.parse(DockerCli.inspect(db, "{{.State.StartedAt}}"));
        Instant appRestarted = Instant.parse(DockerCli.inspect(app, "{{.State.StartedAt}}"));
        assertEquals(appId, DockerCli.inspect(app, "{{.Id}}"), "restarted, not recreated");
        assertTrue(appRestarted.isAfter(dbStarted), "app restarted " + appRestarted + " after db started " + dbStarted
                + " (first start " + appStarted + ")");
        assertEquals(plainStarted, DockerCli.inspect(plain, "{{.State.StartedAt}}"),
                "without restart: true a dependant is left alone");
    }

    @Test
    void anUnhealthyServiceIsRestartedAgainAndAgainWithBackoff() throws Exception {
        String sick = device.container("sick");
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired("""
                {"revision": 1, "services": {"%1$s": {"image": "%2$s", "command": ["sleep", "3600"],
                  "healthcheck": {"test": ["CMD", "false"], "interval": "1s", "retries": 1}}}}
                """.formatted(sick, ReconcileIT.IMAGE_V1));
        JsonNode reported = broker.awaitReported("two restarts for being unhealthy",
                r -> r.path("services").path(sick).path("restarts").asInt() >= 2, Duration.ofSeconds(60));
        assertTrue(!"converged".equals(reported.path("phase").asText()), reported.toString());
        // the agent's restarts are steps like any other ("started", saying why); "health" events are the engine's
        java.util.List<Instant> restarts = broker.events.stream()
                .filter(e -> "started".equals(e.path("type").asText()) && sick.equals(e.path("service").asText())
                        && e.path("message").asText().contains("unhealthy"))
                .map(e -> Instant.parse(e.path("time").asText())).toList();
        assertTrue(restarts.size() >= 2, broker.events.toString());
        assertTrue(Duration.between(restarts.get(0), restarts.get(1)).toMillis() >= 2500,
                "the second restart waited for the backoff: " + restarts);
    }

    @Test
    void anImageThatDoesNotExistFailsItsServiceOnlyAndIsNotRetried() throws Exception {
        String good = device.container("good");
        String ghost = device.container("ghost");
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired("""
                {"revision": 1, "services": {
                  "%1$s": {"image": "%3$s", "command": ["sleep", "3600"]},
                  "%2$s": {"image": "127.0.0.1:5000/demo/busybox:does-not-exist"}}}
                """.formatted(good, ghost, ReconcileIT.IMAGE_V1));
        JsonNode reported = broker.awaitReported("revision 1 applied, degraded",
                r -> r.path("revision").path("applied").asLong() == 1 && "degraded".equals(r.path("phase").asText()),
                Duration.ofSeconds(60));
        assertEquals("running", reported.path("services").path(good).path("state").asText(), reported.toString());
        JsonNode failed = reported.path("services").path(ghost);
        assertEquals("failed", failed.path("state").asText(), failed.toString());
        assertTrue(failed.path("error").asText().contains("does-not-exist"), failed.toString());
        Thread.sleep(5000);
        long failures = broker.events.stream().filter(e -> "failed".equals(e.path("type").asText())
                && ghost.equals(e.path("service").asText())).count();
        assertEquals(1, failures, "a terminal error is not retried: " + broker.events);
    }
}
