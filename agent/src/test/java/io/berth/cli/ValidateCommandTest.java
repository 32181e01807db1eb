package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code berth validate FILE}: errors as path: message, warnings as path: warning: message, exit 0/1/2. */
class ValidateCommandTest {
    @TempDir
    Path dir;

    private String out;
    private String err;

    private int validate(Path file, Map<String, String> env) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"validate", file.toString()}, env, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return code;
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    @Test
    void aTechniciansComposeFileWithDotEnvAndEnvFileIsValid() throws IOException {
        write(".env", "# release\nTAG=1\nexport WEB_PORT=8080\nQUOTED=\"a b\"\n");
        write("web.env", "MODE=prod\nLEVEL=info # inline comment\n");
        Path file = write("compose.yaml", """
                version: "3.8"
                x-common: &common
                  restart: unless-stopped
                  logging: {driver: json-file, options: {max-size: 10m}}
                services:
                  web:
                    <<: *common
                    image: 127.0.0.1:5000/demo/busybox:${TAG}
                    build: ./web
                    ports: ["127.0.0.1:${WEB_PORT}:80"]
                    env_file: web.env
                    environment:
                      LEVEL: debug
                      FROM_SHELL:
                      TEXT: $QUOTED
                    volumes: ["./config:/config"]
                """);
        assertEquals(0, validate(file, Map.of("FROM_SHELL", "yes")), out + err);
        assertEquals("services.web.build: warning: ignored: Berth does not build images; it pulls 'image'\n", out);
        assertTrue(err.contains("valid (1 services"), err);
    }

    @Test
    void theAgentKeyIsTakenAndATagIsRefused() throws IOException {
        String digest = "sha256:" + "0123456789abcdef".repeat(4);
        Path file = write("compose.yaml", """
                services:
                  web: {image: 127.0.0.1:5000/demo/busybox:1}
                agent:
                  version: 0.7.0
                  package: 127.0.0.1:5000/berth/agent@%s
                  timeout: 2m
                """.formatted(digest));
        assertEquals(0, validate(file, Map.of()), out + err);
        assertEquals("", out);
        Path tagged = write("tagged.yaml", """
                services: {}
                agent: {version: 0.7.0, package: "127.0.0.1:5000/berth/agent:0.7.0"}
                """);
        assertEquals(1, validate(tagged, Map.of()), out + err);
        assertTrue(out.startsWith("agent.package: '127.0.0.1:5000/berth/agent:0.7.0' is not pinned by digest"), out);
    }

    @Test
    void errorsAndWarningsArePrintedWithPathsAndExit1() throws IOException {
        Path file = write("bad.yaml", """
                services:
                  web:
                    image: busybox:${NOT_SET}
                    restart: sometimes
                    ports: ["80", "99999"]
                    env_file: missing.env
                """);
        assertEquals(1, validate(file, Map.of()));
        assertEquals("""
                services.web.image: warning: the variable NOT_SET is not set: it defaults to a blank string
                services.web.env_file: cannot read %s: no such file (set required: false if it is optional)
                services.web.image: 'busybox:' is not an image reference: name it as registry/repository:tag
                services.web.restart: 'sometimes' is not a restart policy: use no, always, on-failure, on-failure:N or unless-stopped
                services.web.ports[1]: port 99999 is out of range: ports are 1 to 65535
                """.formatted(dir.resolve("missing.env")), out);
    }

    @Test
    void aRequiredVariableFailsWithItsMessage() throws IOException {
        Path file = write("req.yaml", "services: {web: {image: \"busybox:${TAG:?set TAG first}\"}}\n");
        assertEquals(1, validate(file, Map.of()));
        assertEquals("services.web.image: required variable TAG is not set: set TAG first\n", out);
    }

    @Test
    void unreadableFilesExit2WithoutAStackTrace() throws IOException {
        assertEquals(2, validate(dir.resolve("nothing.yaml"), Map.of()));
        assertTrue(err.contains("no such file"), err);
        assertEquals(2, validate(write("broken.yaml", "services: [unclosed\n"), Map.of()));
        assertFalse(err.contains("\tat "), err);
        assertEquals(2, validate(dir, Map.of()));
    }

    @Test
    void nullArraysAndGarbageNeverThrow() throws IOException {
        assertEquals(1, validate(write("null.yaml", "null\n"), Map.of()));
        assertEquals(1, validate(write("list.yaml", "- a\n- b\n"), Map.of()));
        assertEquals(1, validate(write("empty.yaml", ""), Map.of()));
        Random random = new Random(3);
        for (int i = 0; i < 50; i++) {
            byte[] garbage = new byte[random.nextInt(2000)];
            random.nextBytes(garbage);
            Path file = dir.resolve("g" + i);
            Files.write(file, garbage);
            int code = validate(file, Map.of());
            assertTrue(code == 1 || code == 2, "exit " + code);
            assertFalse((out + err).contains("\tat "), out + err);
        }
    }

    @Test
    void severalFilesAndProfilesAsComposeTakesThem() throws IOException {
        Path base = write("base.yaml", "services: {web: {image: busybox, ports: [\"8080:80\"]}, "
                + "dbg: {image: busybox, profiles: [debug], ports: [\"8080:81\"]}}\n");
        Path other = write("other.yaml", "services: {web: {image: busybox, command: [sleep, \"1\"]}}\n");
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        String[] args = {"validate", "-f", base.toString(), "--file=" + other, "--profile", "nothing"};
        assertEquals(0, Main.run(args, Map.of(), new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8)), e.toString(StandardCharsets.UTF_8));
        // with the debug profile, dbg joins and its host port clashes with web's
        String[] debug = {"validate", "-f", base.toString(), "-f", other.toString(), "--profile", "debug"};
        assertEquals(1, Main.run(debug, Map.of(), new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8)));
        assertTrue((o.toString(StandardCharsets.UTF_8) + e.toString(StandardCharsets.UTF_8)).contains("is already published"), o + "\n" + e);
        assertEquals(2, Main.run(new String[] {"validate", "-f"}, Map.of(), new PrintStream(o, true,
                StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8)));
    }
}
