package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.model.DesiredState;
import io.berth.spec.DocumentParser;
import io.berth.spec.ParsedDocument;
import io.berth.spec.SpecError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Technicians' Compose files (spec/compose-corpus, see its SOURCES.md) validate unchanged, as
 * {@code berth validate} reads them. With {@code -Dberth.composeCorpus=DIR}, every file of DIR is
 * checked as well: never a crash, and rejected only with paths.
 */
class ComposeCorpusTest {

    static Path corpus() throws URISyntaxException {
        return Path.of(ComposeCorpusTest.class.getResource("/spec/compose-corpus/SOURCES.md").toURI()).getParent();
    }

    static Stream<String> files() throws Exception {
        try (Stream<Path> list = Files.list(corpus())) {
            return list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted().toList()
                    .stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void validatesUnchanged(String name) throws Exception {
        ComposeFile file = ComposeFile.load(corpus().resolve(name), Map.of());
        assertEquals(List.of(), file.errors());
        ParsedDocument parsed = DocumentParser.parseLocal(file.document());
        if (parsed instanceof ParsedDocument.Invalid invalid) {
            throw new AssertionError(name + ":\n  " + String.join("\n  ",
                    invalid.errors().stream().map(SpecError::toString).toList()));
        }
    }

    @Test
    void theHomeAutomationStackResolvesAsATechnicianExpects() throws Exception {
        ComposeFile file = ComposeFile.load(corpus().resolve("home-automation.yaml"), Map.of("TZ", "UTC"));
        DesiredState state = ((ParsedDocument.Valid) DocumentParser.parseLocal(file.document())).state();
        var z2m = state.services().get("zigbee2mqtt");
        assertEquals("UTC", z2m.environment().get("TZ"), "the environment wins over .env");
        assertEquals("s3cret with spaces", z2m.environment().get("ZIGBEE2MQTT_CONFIG_MQTT_PASSWORD"));
        assertEquals("/dev/ttyUSB0", z2m.options().devices().get(0).host());
        assertEquals("unless-stopped", z2m.restart().toString(), "merged from x-common");
        assertEquals("./homeassistant", state.services().get("homeassistant").mounts().get(0).source());
        assertTrue(state.services().get("homeassistant").options().privileged());
    }

    @Test
    void anyDirectoryGivenIsCheckedWithoutACrash() throws IOException {
        String dir = System.getProperty("berth.composeCorpus");
        if (dir == null) {
            return; // only when asked: the real public files are not in the repository (SOURCES.md)
        }
        try (Stream<Path> list = Files.list(Path.of(dir))) {
            for (Path file : list.filter(p -> p.toString().matches(".*\\.ya?ml")).sorted().toList()) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                int code = Main.run(new String[] {"validate", file.toString()}, Map.of(),
                        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
                System.out.println("== " + file.getFileName() + " -> exit " + code + "\n" + out + err);
                assertTrue(code == 0 || code == 1, file + ": exit " + code + "\n" + err);
                assertFalse((out.toString() + err).contains("\tat "), file + " printed a stack trace");
            }
        }
    }
}
