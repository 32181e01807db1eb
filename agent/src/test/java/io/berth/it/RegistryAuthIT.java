package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.agent.Agent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pulls from the htpasswd registry of dev-services (127.0.0.1:5001) with the document's
 * {@code registries} credentials, sent through the engine API's auth: good ones pull, wrong ones
 * give a clear error on the service, and the password shows up in no report and no event.
 */
class RegistryAuthIT {
    static final String IMAGE = "127.0.0.1:5001/private/busybox:1";
    static final Path PASSWORD = Path.of(System.getenv().getOrDefault("BERTH_DEV_DIR", "/var/tmp/berth-dev"),
            "registry-auth", "password");
    private TestDevice device;

    @BeforeEach
    void setUp() throws Exception {
        assertTrue(Files.isReadable(PASSWORD), "run provisioning/dev-services up first: " + PASSWORD);
        device = new TestDevice();
        DockerCli.run("rmi", IMAGE); // a local copy would make the pull unnecessary
    }

    @AfterEach
    void tearDown() throws Exception {
        device.close();
        DockerCli.run("rmi", IMAGE);
    }

    private String document(String service, String password) {
        return """
                {"revision": 1, "services": {"%s": {"image": "%s", "command": ["sleep", "3600"]}},
                 "registries": {"127.0.0.1:5001": {"username": "berth-dev", "password": "%s"}}}
                """.formatted(service, IMAGE, password);
    }

    @Test
    void theRightCredentialsPull() throws Exception {
        String svc = device.container("private");
        String password = Files.readString(PASSWORD).strip();
        TestBroker broker = device.broker();
        Agent agent = device.startAgent();
        broker.publishDesired(document(svc, password));
        JsonNode reported = broker.awaitReported("converged", r -> TestBroker.converged(r, 1), Duration.ofSeconds(60));
        assertEquals("running", reported.path("services").path(svc).path("state").asText());
        assertFalse(reported.toString().contains(password), "no password in the report");
        assertFalse(broker.events.toString().contains(password), "no password in events");
        assertFalse(agent.latestReport().contains(password));
    }

    @Test
    void wrongCredentialsAreAClearErrorOnTheService() throws Exception {
        String svc = device.container("private");
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired(document(svc, "wrong-password-123"));
        JsonNode reported = broker.awaitReported("the service failing",
                r -> r.path("services").path(svc).path("error").isTextual(), Duration.ofSeconds(60));
        JsonNode service = reported.path("services").path(svc);
        assertEquals("failed", service.path("state").asText(), service.toString());
        String error = service.path("error").asText().toLowerCase();
        assertTrue(error.contains("unauthorized") || error.contains("authentication"), error);
        assertFalse(reported.toString().contains("wrong-password-123"), "no password in the report");
        assertFalse(broker.events.toString().contains("wrong-password-123"), "no password in events");
    }
}
