package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent pulls for its profile's platform: {@code demo/multi:1} (built by dev-services) is a
 * manifest list with linux/amd64 and linux/arm64 entries. With an arm64 profile the agent gets
 * the arm64 entry, which this amd64 engine cannot run: the service reports why, and is not
 * started in a loop. With the amd64 profile the same service runs.
 */
class PlatformPullIT {
    static final String MULTI = "127.0.0.1:5000/demo/multi:1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private TestDevice device;

    @BeforeEach
    void setUp() throws Exception {
        device = new TestDevice();
        untagMulti();
    }

    @AfterEach
    void tearDown() throws Exception {
        device.close();
        untagMulti();
    }

    /** Removes the local tag and the two images this test pulls (only these: only this test uses demo/multi). */
    private static void untagMulti() throws Exception {
        DockerCli.run("rmi", MULTI);
        for (String configDigest : entryConfigs().values()) {
            DockerCli.run("rmi", configDigest);
        }
    }

    /** architecture → config digest (= local image id) of each entry of the manifest list. */
    private static Map<String, String> entryConfigs() throws Exception {
        JsonNode index = get("/v2/demo/multi/manifests/1", "application/vnd.docker.distribution.manifest.list.v2+json");
        Map<String, String> configs = new HashMap<>();
        for (JsonNode entry : index.path("manifests")) {
            JsonNode manifest = get("/v2/demo/multi/manifests/" + entry.path("digest").asText(),
                    "application/vnd.docker.distribution.manifest.v2+json");
            configs.put(entry.path("platform").path("architecture").asText(), manifest.path("config").path("digest")
                    .asText());
        }
        assertEquals(2, configs.size(), "demo/multi:1 has two entries; run provisioning/dev-services up: " + configs);
        return configs;
    }

    private static JsonNode get(String path, String accept) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:5000" + path))
                .header("Accept", accept).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void pullsTheEntryForTheProfilesPlatform() throws Exception {
        Map<String, String> configs = entryConfigs();
        String service = device.container("multi");
        TestBroker broker = device.broker();
        broker.publishDesired("""
                {"revision": 1, "services": {"%s": {"image": "%s", "restart": "unless-stopped"}}}
                """.formatted(service, MULTI));

        device.env.put("BERTH_PROFILE", "generic-arm64");
        device.startAgent();
        JsonNode reported = broker.awaitReported("the arm64 image is reported as not runnable here",
                r -> r.path("services").path(service).path("error").asText("").contains("exec format error"),
                ReconcileIT.CONVERGE);
        assertEquals("generic-arm64", reported.path("agent").path("profile").asText());
        assertEquals(configs.get("arm64"), DockerCli.inspect(MULTI, "{{.Id}}"), "the local image is the arm64 entry");
        assertEquals("arm64", DockerCli.inspect(MULTI, "{{.Architecture}}"));
        String error = reported.path("services").path(service).path("error").asText();
        assertTrue(error.contains("linux/arm64") && error.contains("linux/amd64"), error);
        assertTrue(!"running".equals(DockerCli.inspect(service, "{{.State.Status}}")),
                "the container was not started: " + DockerCli.inspect(service, "{{.State.Status}} {{.RestartCount}}"));
        assertEquals("0", DockerCli.inspect(service, "{{.RestartCount}}"), "no crash loop");

        device.stopAgent();
        DockerCli.removeContainer(service);
        DockerCli.ok("rmi", MULTI);

        device.env.put("BERTH_PROFILE", "generic-amd64");
        device.startAgent();
        broker.awaitReported("the amd64 entry runs", r -> TestBroker.converged(r, 1)
                && "running".equals(r.path("services").path(service).path("state").asText()), ReconcileIT.CONVERGE);
        assertEquals(configs.get("amd64"), DockerCli.inspect(MULTI, "{{.Id}}"), "the local image is the amd64 entry");
        assertEquals("amd64", DockerCli.inspect(MULTI, "{{.Architecture}}"));
        assertEquals("true", DockerCli.inspect(service, "{{.State.Running}}"));
    }
}
