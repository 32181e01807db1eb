package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * PROTOCOL.md §3, client side: {@code berth apply -f compose.yaml -f override.yaml --profile tools}
 * as a technician runs it, against a real agent and engine. The override wins, only the active
 * profile's service runs, and a secret and a config (from a variable and a file) are mounted where
 * Compose mounts them, read from inside the container.
 */
class ComposeProjectIT extends WithTestDevice {

    @Test
    void severalFilesAProfileASecretAndAConfig() throws Exception {
        String web = device.container("web");
        String tool = device.container("tool");
        String debug = device.container("debug");
        Path dir = Files.createDirectories(device.stateDir.resolve("project"));
        Files.writeString(dir.resolve("app.conf"), "port=80\n");
        Files.writeString(dir.resolve(".env"), "MODE=from-dotenv\n");
        Path compose = Files.writeString(dir.resolve("compose.yaml"), """
                services:
                  web:
                    image: %1$s
                    container_name: %2$s
                    command: [sleep, "3600"]
                    environment: {MODE: "${MODE}", LEVEL: base}
                    secrets: [token]
                    configs: [app, {source: app, target: /etc/app.conf}]
                  tool: {image: %1$s, container_name: %3$s, command: [sleep, "3600"], profiles: [tools]}
                  debug: {image: %1$s, container_name: %4$s, command: [sleep, "3600"], profiles: [debug]}
                secrets:
                  token: {environment: TOKEN}
                configs:
                  app: {file: ./app.conf}
                """.formatted(ReconcileIT.IMAGE_V1, web, tool, debug));
        Path override = Files.writeString(dir.resolve("override.yaml"), """
                services:
                  web:
                    environment: {LEVEL: override}
                """);
        device.startAgent();

        List<String> out = berth("apply", "-f", compose.toString(), "-f", override.toString(), "--profile", "tools");
        assertEquals("0", out.get(0), String.join("\n", out));

        for (String c : List.of(web, tool)) {
            Await.until(c + " running", () -> "true".equals(DockerCli.inspect(c, "{{.State.Running}}")) ? c : null,
                    ReconcileIT.CONVERGE, () -> String.valueOf(DockerCli.inspect(c, "{{.State.Status}}")));
        }
        assertNull(DockerCli.inspect(debug, "{{.Id}}"), "the inactive profile's service is left out");
        String env = DockerCli.ok("exec", web, "env");
        assertTrue(env.contains("LEVEL=override") && env.contains("MODE=from-dotenv"), env);
        assertEquals("s3cret-token", DockerCli.ok("exec", web, "cat", "/run/secrets/token"));
        assertEquals("port=80", DockerCli.ok("exec", web, "cat", "/app"));
        assertEquals("port=80", DockerCli.ok("exec", web, "cat", "/etc/app.conf"));
        DockerCli.Result write = DockerCli.run("exec", web, "sh", "-c", "echo x > /run/secrets/token");
        assertTrue(write.exitCode() != 0, "mounted read-only");
        Path secret = device.stateDir.resolve("files/secrets/token");
        assertEquals("r--------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)));
        String report = String.join("\n", berth("status", "--json"));
        assertTrue(!report.contains("s3cret-token"), "never reported");
    }

    @Test
    void aComposeProjectsVolumeIsTakenOverWithItsData() throws Exception {
        // as 'docker compose -p PROJECT up' left it, after 'docker compose down' (which keeps volumes)
        String project = device.project + "c";
        String volume = project + "_data"; // Compose's name for the volume 'data' of the project
        device.volumes.add(volume);
        DockerCli.ok("volume", "create", "--label", "com.docker.compose.project=" + project,
                "--label", "com.docker.compose.volume=data", volume);
        String seed = device.container("seed");
        DockerCli.ok("run", "--name", seed, "--network", "none", "-v", volume + ":/d", ReconcileIT.IMAGE_V1, "sh", "-c",
                "echo from-compose > /d/mark");
        String app = device.container("app");
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired("""
                {"revision": 1, "services": {"app": {"image": "%s", "container_name": "%s",
                   "command": ["sleep", "3600"], "volumes": ["data:/data"]}},
                 "volumes": {"data": {"name": "%s", "external": true}}}
                """.formatted(ReconcileIT.IMAGE_V1, app, volume));
        broker.awaitReported("converged on revision 1", r -> TestBroker.converged(r, 1), ReconcileIT.CONVERGE);
        assertEquals("from-compose", DockerCli.ok("exec", app, "cat", "/data/mark"));
        broker.publishDesired("{\"revision\": 2, \"services\": {}}");
        broker.awaitReported("converged on revision 2", r -> TestBroker.converged(r, 2), ReconcileIT.CONVERGE);
        assertEquals(volume, DockerCli.inspect(volume, "{{.Name}}"), "an external volume is never removed");
    }

    /** The berth CLI from the built jar, against the test device's agent: exit code, then stdout and stderr. */
    private List<String> berth(String... args) throws Exception {
        Path jar = Path.of(System.getProperty("berth.jar", "target/berth.jar"));
        assertTrue(Files.isRegularFile(jar), "build the jar first (mvn package): " + jar.toAbsolutePath());
        List<String> command = new ArrayList<>(List.of("java", "-jar", jar.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("BERTH_") || k.startsWith("COMPOSE_"));
        builder.environment().put("BERTH_SOCKET", device.stateDir.resolve("berth.sock").toString());
        builder.environment().put("TOKEN", "s3cret-token");
        builder.redirectErrorStream(true);
        Process p = builder.start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "berth " + String.join(" ", args) + " did not finish");
        return List.of(String.valueOf(p.exitValue()), output);
    }
}
