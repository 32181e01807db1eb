package io.berth.fleet.verbs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.berth.support.Args;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code berth cmd}'s ARGS: key=value pairs, one JSON object, or one bare word (the service). */
class DeviceVerbsTest {
    @Test
    void argumentsBecomeTheBody() throws Exception {
        assertEquals("{\"service\":\"web\"}", DeviceVerbs.body(List.of("web")).toString());
        assertEquals("{\"service\":\"web\",\"tail\":20}", DeviceVerbs.body(List.of("service=web", "tail=20")).toString());
        assertEquals("{\"service\":\"db\"}", DeviceVerbs.body(List.of("{\"service\": \"db\"}")).toString());
        assertEquals("{}", DeviceVerbs.body(List.of()).toString());
        assertThrows(Args.UsageException.class, () -> DeviceVerbs.body(List.of("a", "b")));
        assertThrows(Args.UsageException.class, () -> DeviceVerbs.body(List.of("{not json")));
    }

    @Test
    void logLinesAreOrderedAsInstantsAndPrintedOnce() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8);
        DeviceVerbs.Mark mark = new DeviceVerbs.Mark(null);
        // the answer to the request; b and c share an instant (text compare with <= dropped c)
        DeviceVerbs.print(json.readTree("""
                [{"t": "2026-11-22T10:00:09.500Z", "line": "a"}, {"t": "2026-11-22T10:00:10Z", "line": "b"},
                 {"t": "2026-11-22T10:00:10Z", "line": "c"}]"""), mark, out);
        // a forwarded batch overlapping it: b again, d at the same instant written "10.000Z", one before,
        // and e 1 ns later ("10.000000001Z" sorts before "10Z" as text: text order dropped d and e)
        DeviceVerbs.print(json.readTree("""
                [{"t": "2026-11-22T10:00:10Z", "line": "b"}, {"t": "2026-11-22T10:00:10.000Z", "line": "d"},
                 {"t": "2026-11-22T10:00:09.9Z", "line": "old"}, {"t": "2026-11-22T10:00:10.000000001Z", "line": "e"}]"""),
                mark, out);
        assertEquals(List.of("a", "b", "c", "d", "e"),
                bytes.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList());
    }

    @Test
    void linesAtTheSinceMarkArePrinted() throws Exception {
        DeviceVerbs.Mark mark = new DeviceVerbs.Mark(java.time.Instant.parse("2026-11-22T10:00:10Z"));
        org.junit.jupiter.api.Assertions.assertFalse(mark.admit("2026-11-22T10:00:09.999Z", "x"));
        org.junit.jupiter.api.Assertions.assertTrue(mark.admit("2026-11-22T10:00:10.000Z", "y"));
        org.junit.jupiter.api.Assertions.assertTrue(mark.admit("", "no time"));
    }
}
