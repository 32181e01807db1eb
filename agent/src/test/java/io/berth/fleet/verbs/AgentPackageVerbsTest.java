package io.berth.fleet.verbs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.model.RegistryAuth;
import io.berth.registry.RegistryException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The push verb's usage and where its registry credentials come from. */
class AgentPackageVerbsTest {
    @TempDir
    Path home;

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theEnvironmentWinsOverDockersConfig() throws Exception {
        Files.createDirectories(home.resolve(".docker"));
        Files.writeString(home.resolve(".docker/config.json"),
                "{\"auths\":{\"https://r.example.com\":{\"auth\":\"" + b64("docker-user:docker-pw") + "\"}}}");
        RegistryAuth docker = RegistryCredentials.of("r.example.com", Map.of("HOME", home.toString()));
        assertEquals("docker-user", docker.username());
        assertEquals("docker-pw", docker.password().reveal());
        RegistryAuth env = RegistryCredentials.of("r.example.com", Map.of("HOME", home.toString(),
                "BERTH_REGISTRY_USERNAME", "env-user", "BERTH_REGISTRY_PASSWORD", "env-pw"));
        assertEquals("env-user", env.username());
        assertEquals("env-pw", env.password().reveal());
        assertNull(RegistryCredentials.of("other.example.com", Map.of("HOME", home.toString())));
        assertNull(RegistryCredentials.of("r.example.com", Map.of("HOME", home.resolve("nowhere").toString())));
        assertEquals("docker-user", RegistryCredentials.of("r.example.com",
                Map.of("DOCKER_CONFIG", home.resolve(".docker").toString())).username());
    }

    @Test
    void badDockerCredentialsSayWhatToDoWithoutShowingThem() throws Exception {
        Path config = Files.writeString(home.resolve("config.json"),
                "{\"auths\":{\"127.0.0.1:5001\":{\"auth\":\"" + b64("no-colon-secret") + "\"}}}");
        RegistryException e = assertThrows(RegistryException.class,
                () -> RegistryCredentials.fromDockerConfig("127.0.0.1:5001", config));
        assertTrue(e.getMessage().contains("run 'docker login 127.0.0.1:5001' again"), e.getMessage());
        assertFalse(e.getMessage().contains("no-colon-secret"));
    }

    @Test
    void helpAndUsage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(FleetCommand.OK, FleetCommand.main(List.of("agent-package", "--help"), Map.of(), o, e, null));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Usage: berth fleet agent-package push REF DEB…"));
        assertEquals(FleetCommand.USAGE, FleetCommand.main(List.of("agent-package", "push", "r.example.com/a:1"),
                Map.of(), o, e, null));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("give the reference and at least one package"));
        assertEquals(FleetCommand.USAGE, FleetCommand.main(List.of("agent-package", "pull", "r", "f"), Map.of(), o, e, null));
        assertEquals(FleetCommand.FAILED, FleetCommand.main(List.of("agent-package", "push", "r.example.com/a:1",
                home.resolve("missing.deb").toString()), Map.of("HOME", home.toString()), o, e, null));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("missing.deb is not a file"), err.toString());
    }
}
