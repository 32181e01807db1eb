package io.berth.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md §3: interpolation as Compose does it, in the client. */
class InterpolationTest {
    private static final Map<String, String> VARS = Map.of("TAG", "1.2", "EMPTY", "", "HOST", "pi", "PORT", "8080");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', emptyValue = "", value = {
        "busybox:${TAG}                 | busybox:1.2",
        "busybox:$TAG                   | busybox:1.2",
        "$HOST-$PORT                    | pi-8080",
        "${MISSING:-default}            | default",
        "${EMPTY:-default}              | default",
        "${EMPTY-default}               | ''",
        "${MISSING-default}             | default",
        "${TAG:-default}                | 1.2",
        "${MISSING:-${HOST}:${PORT}}    | pi:8080",
        "${TAG:+set}                    | set",
        "${MISSING:+set}                | ''",
        "${EMPTY+set}                   | set",
        "$$TAG                          | $TAG",
        "price: 5$                      | price: 5$",
        "a $ b                          | a $ b",
        "${TAG}${TAG}                   | 1.21.2",
    })
    void expands(String text, String expected) {
        assertEquals(expected.equals("''") ? "" : expected, Interpolation.string(text.strip(), VARS));
    }

    @Test
    void requiredVariablesFailWithTheirMessageAndPath() throws IOException {
        JsonNode doc = DocumentReader.readYaml("""
                services:
                  web:
                    image: "busybox:${TAG:?set TAG to the release}"
                    environment:
                      KEY: "${EMPTY:?must not be empty}"
                      OTHER: "${EMPTY?unused}"
                """, "t.yaml");
        Interpolation.Result r = Interpolation.apply(doc, Map.of("EMPTY", ""));
        assertEquals(List.of(
                new SpecError("services.web.image", "required variable TAG is not set: set TAG to the release"),
                new SpecError("services.web.environment.KEY", "required variable EMPTY is empty: must not be empty")),
                r.errors());
        assertEquals("", r.document().at("/services/web/environment/OTHER").asText());
    }

    @Test
    void anUnsetVariableIsBlankWithAWarningNamingIt() throws IOException {
        JsonNode doc = DocumentReader.readYaml("services: {web: {image: busybox, command: [echo, $NOPE]}}", "t");
        Interpolation.Result r = Interpolation.apply(doc, Map.of());
        assertEquals("", r.document().at("/services/web/command/1").asText());
        assertEquals(List.of(new SpecError("services.web.command[1]",
                "the variable NOPE is not set: it defaults to a blank string")), r.warnings());
        assertTrue(r.errors().isEmpty());
    }

    @Test
    void malformedInterpolationIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> Interpolation.string("${TAG", VARS));
        assertThrows(IllegalArgumentException.class, () -> Interpolation.string("${}", VARS));
        assertThrows(IllegalArgumentException.class, () -> Interpolation.string("${TAG!x}", VARS));
    }

    @Test
    void keysAndNonStringsAreLeftAlone() throws IOException {
        JsonNode doc = DocumentReader.readYaml("{x-$A: 1, n: 5, b: true}", "t");
        assertEquals(doc, Interpolation.apply(doc, Map.of("A", "z")).document());
    }
}
