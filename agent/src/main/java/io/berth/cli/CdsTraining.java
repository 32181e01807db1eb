package io.berth.cli;

import io.berth.agent.Agent;
import io.berth.config.AgentConfig;
import io.berth.config.ConfigException;
import io.berth.config.ConfigLoader;
import io.berth.spec.DocumentParser;
import io.berth.spec.DocumentReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code berth cds-training}: the workload the launcher runs under
 * {@code -XX:ArchiveClassesAtExit} to build the class-data archive at install time. It loads
 * what the agent loads (config, document parsing in JSON and YAML, the engine client, the MQTT
 * client, the reconcile loop) against an engine socket and a broker port where nothing
 * listens, for about two seconds, in a temporary state dir it removes; then what the CLI's
 * read-only verbs load ({@code status}, {@code status --json}, {@code config}, {@code version})
 * against that agent's control socket, so a technician's {@code berth status} maps its classes
 * from the archive too.
 */
final class CdsTraining {
    private CdsTraining() {}

    static int run() throws IOException, ConfigException, InterruptedException {
        Path dir = Files.createTempDirectory("berth-cds");
        try {
            Path yaml = dir.resolve("compose.yaml");
            Files.writeString(yaml, "revision: 1\nservices:\n  web:\n    image: example/web:1\n    ports: [\"127.0.0.1:8080:80\"]\n");
            DocumentParser.parse(DocumentReader.readFile(yaml));
            Map<String, String> env = Map.of(
                    "BERTH_DEVICE_ID", "cds-training",
                    "BERTH_STATE_DIR", dir.resolve("state").toString(),
                    "BERTH_DOCKER_HOST", "unix://" + dir.resolve("no-engine.sock"),
                    "BERTH_MQTT_URL", "tcp://127.0.0.1:1",
                    "BERTH_SOCKET", dir.resolve("berth.sock").toString());
            AgentConfig config = ConfigLoader.load(null, env);
            try (Agent agent = new Agent(config, Clock.systemUTC())) {
                agent.start();
                Thread.sleep(2000);
                PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
                for (String[] verb : List.of(new String[] {"status"}, new String[] {"status", "--json"},
                        new String[] {"config"}, new String[] {"version"})) {
                    try {
                        Main.run(verb, env, discard, discard);
                    } catch (RuntimeException e) {
                        // only its classes are left out of the archive: the archive is still made
                    }
                }
            }
            return Main.OK;
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
