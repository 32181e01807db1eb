package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The technician's verbs of a docker user, on the built jar against a running agent: apply
 * --dry-run / --wait, logs of every service, start/stop kept across an agent restart, exec,
 * events, volumes, config, --json, and their exit codes.
 */
class CliVerbsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "Pw-" + Long.toHexString(System.nanoTime());

    private TestDevice device;
    private BerthCli cli;

    @BeforeEach
    void setUp() throws Exception {
        device = new TestDevice();
        cli = new BerthCli(device);
    }

    @AfterEach
    void tearDown() throws Exception {
        cli.stopAgent();
        device.close();
    }

    private String compose(String web, String db, String volume, boolean withVolume) {
        return """
                services:
                  %s:
                    image: %s
                    command: ["sh", "-c", "echo web up; exec sleep 3600"]
                %s  %s:
                    image: %s
                    command: ["sh", "-c", "echo db up; echo db warns >&2; exec sleep 3600"]
                    environment: {DB_PASSWORD: %s}
                %s""".formatted(web, ReconcileIT.IMAGE_V1, withVolume ? "    volumes: [\"" + volume + ":/data\"]\n" : "",
                db, ReconcileIT.IMAGE_V1, PASSWORD, withVolume ? "volumes:\n  " + volume + ": {}\n" : "");
    }

    @Test
    void aTechnicianUsesTheVerbsOfADockerUser() throws Exception {
        String web = device.container("web");
        String db = device.container("db");
        String volume = device.volume("data");
        Path file = device.stateDir.resolve("compose.yaml");
        Files.writeString(file, compose(web, db, volume, true));

        // config FILE needs no agent, and masks the password
        BerthCli.Result config = cli.berth("config", file.toString());
        assertEquals(0, config.code(), config.all());
        assertTrue(config.out().contains(db + ":") && config.out().contains("DB_PASSWORD: '***'")
                || config.out().contains("DB_PASSWORD: ***"), config.out());

        cli.startAgent();
        BerthCli.Result dry = cli.berth("apply", "--dry-run", file.toString());
        assertEquals(0, dry.code(), dry.all());
        assertTrue(dry.out().contains("+ create   service  " + db) && dry.out().contains("+ create   volume   " + volume)
                && dry.out().contains("First steps the planner would run now:"), dry.out());
        assertNotEquals(0, DockerCli.run("inspect", web).exitCode(), "a dry run creates nothing");

        BerthCli.Result apply = cli.berth("apply", file.toString(), "--wait", "--timeout", "90s");
        assertEquals(0, apply.code(), apply.all());
        assertTrue(apply.out().contains("revision 1 converged"), apply.out());
        assertTrue(apply.err().contains("started " + web), "the way there is shown: " + apply.err());
        assertEquals("true", DockerCli.inspect(web, "{{.State.Running}}"));

        // logs of every service, each line with its service's name
        BerthCli.Result logs = Await.until("both services' lines", BerthCli.unchecked(() -> {
            BerthCli.Result r = cli.berth("logs");
            return r.out().contains(web + " | web up") && r.out().contains(db + "  | db up")
                    && r.err().contains("db warns") ? r : null;
        }), Duration.ofSeconds(20), () -> "");
        assertEquals(0, logs.code());
        BerthCli.Result until = cli.berth("logs", web, db, "--until", "2020-01-01");
        assertEquals(0, until.code(), until.all());
        assertEquals("", until.out() + until.err(), "nothing was printed before 2020");
        BerthCli.Result jsonLogs = cli.berth("logs", db, "--json");
        JsonNode line = JSON.readTree(jsonLogs.out().lines().filter(l -> l.contains("db up")).findFirst().orElseThrow());
        assertEquals(db, line.path("service").asText());
        assertEquals("stdout", line.path("stream").asText());

        // stop lasts, across an agent restart, until start (or the next revision)
        BerthCli.Result stop = cli.berth("stop", db, "--json");
        assertEquals(0, stop.code(), stop.all());
        assertEquals("false", DockerCli.inspect(db, "{{.State.Running}}"));
        assertFalse(JSON.readTree(stop.out()).path("states").path(db).asText().equals("running"), stop.out());
        // events kept by the agent (in memory), and as JSON
        BerthCli.Result events = cli.berth("events", "--since", "1h", "--until", "0s", "--json");
        assertEquals(0, events.code(), events.all());
        List<JsonNode> all = events.out().lines().map(l -> BerthCli.unchecked(() -> JSON.readTree(l)).get()).toList();
        assertTrue(all.stream().anyMatch(e -> e.path("type").asText().equals("stopped") && db.equals(
                e.path("service").asText())), events.out());
        assertTrue(cli.berth("events", "--since", "1h", "--until", "0s").out().contains("converged"));

        cli.stopAgent();
        cli.startAgent();
        cli.awaitReport("converged again", r -> BerthCli.at(r, "converged", 1, 1));
        assertEquals("false", DockerCli.inspect(db, "{{.State.Running}}"), "still stopped after an agent restart");
        BerthCli.Result overrides = cli.berth("config", "--json");
        assertEquals("stopped", JSON.readTree(overrides.out()).path("overrides").path(db).asText(), overrides.out());
        assertFalse(overrides.out().contains(PASSWORD), "the agent's document is masked too");
        BerthCli.Result start = cli.berth("start", db);
        assertEquals(0, start.code(), start.all());
        assertEquals("true", DockerCli.inspect(db, "{{.State.Running}}"));
        String before = DockerCli.inspect(web, "{{.State.StartedAt}}");
        assertEquals(0, cli.berth("restart", web, db).code());
        assertNotEquals(before, DockerCli.inspect(web, "{{.State.StartedAt}}"));
        BerthCli.Result unknown = cli.berth("stop", "nosuchservice");
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("no service named nosuchservice"), unknown.err());

        // exec: output, input, the command's exit code
        BerthCli.Result exec = cli.berth("exec", web, "--", "sh", "-c", "echo out; echo err >&2; exit 3");
        assertEquals(3, exec.code(), exec.all());
        assertEquals("out\n", exec.out());
        assertEquals("err\n", exec.err());
        BerthCli.Result cat = cli.berthWithInput("through stdin\n", "exec", "-e", "X=y", web, "sh", "-c", "cat; echo $X");
        assertEquals(0, cat.code(), cat.all());
        assertEquals("through stdin\ny\n", cat.out());
        assertEquals(1, cli.berth("exec", "nosuchservice", "ls").code());

        // a volume that left the document is an orphan until a technician removes it
        // from a second before: without --since the reader's own start is its since, and the apply's
        // JVM may reach the agent before it
        String since = String.valueOf(java.time.Instant.now().getEpochSecond() - 1);
        Process live = BerthCli.process(cli.env(), List.of(), "events", "--since", since).start();
        try {
            Files.writeString(file, compose(web, db, volume, false));
            assertEquals(0, cli.berth("apply", file.toString(), "--wait").code());
            java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(
                    live.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            String accepted = java.util.concurrent.CompletableFuture.supplyAsync(BerthCli.unchecked(() -> {
                for (String l; (l = lines.readLine()) != null; ) {
                    if (l.contains("accepted") && l.contains("revision 2")) {
                        return l;
                    }
                }
                return null;
            })).get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(accepted != null && accepted.contains(" r2 "), "live: " + accepted);
        } finally {
            live.destroy();
        }
        BerthCli.Result volumes = cli.berth("volumes", "--json");
        JsonNode orphan = JSON.readTree(volumes.out()).path("volumes").get(0);
        assertEquals(volume, orphan.path("name").asText(), volumes.out());
        assertEquals("orphan", orphan.path("state").asText());
        BerthCli.Result unasked = cli.berth("volumes", "rm", volume);
        assertEquals(1, unasked.code(), "no terminal to ask, no --force: " + unasked.all());
        assertEquals(0, DockerCli.run("volume", "inspect", volume).exitCode());
        BerthCli.Result rm = cli.berth("volumes", "rm", "--force", volume);
        assertEquals(0, rm.code(), rm.all());
        assertNotEquals(0, DockerCli.run("volume", "inspect", volume).exitCode(), "removed");
        assertTrue(cli.berth("volumes").out().contains("(no volumes)"));

        // apply --wait exits 1 for a rejected document and for one that does not converge
        Path bad = device.stateDir.resolve("bad.yaml");
        Files.writeString(bad, "services: {" + web + ": {image: " + ReconcileIT.IMAGE_V1 + ", bogus: 1}}\n");
        BerthCli.Result rejected = cli.berth("apply", bad.toString(), "--wait");
        assertEquals(1, rejected.code(), rejected.all());
        assertTrue(rejected.err().contains("bogus"), rejected.err());
        Files.writeString(bad, "services: {" + web + ": {image: 127.0.0.1:5000/demo/nosuchimage:1}}\n");
        BerthCli.Result failed = cli.berth("apply", bad.toString(), "--wait", "--timeout", "5s");
        assertEquals(1, failed.code(), failed.all());

        // outputs are not overwritten without --force
        BerthCli.Result existing = cli.berth("support-bundle", "-o", file.toString());
        assertEquals(2, existing.code(), existing.all());
        assertTrue(existing.err().contains("--force"), existing.err());
        cli.outputs().forEach(out -> assertFalse(out.contains(PASSWORD), "password in CLI output: " + out));
    }
}
