package io.berth.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.spec.RevisionGate.Decision;
import io.berth.spec.RevisionGate.Verdict;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md §3: higher is accepted, same-and-equal is a no-op, same-and-different or lower is rejected. */
class RevisionGateTest {

    private static final String REV7 = """
            {"revision": 7, "services": {"web": {"image": "busybox:1", "environment": {"A": "1", "B": "2"}}},
             "volumes": {"data": {}}}""";
    /** The same document with every map's keys in another order. */
    private static final String REV7_REORDERED = """
            {"volumes": {"data": {}},
             "services": {"web": {"environment": {"B": "2", "A": "1"}, "image": "busybox:1"}}, "revision": 7}""";
    private static final String REV7_OTHER = """
            {"revision": 7, "services": {"web": {"image": "busybox:2", "environment": {"A": "1", "B": "2"}}},
             "volumes": {"data": {}}}""";

    @Test
    void aHigherRevisionIsAccepted() {
        Decision d = RevisionGate.decide(7, doc(REV7), 8, doc(REV7_OTHER.replace("\"revision\": 7", "\"revision\": 8")));
        assertEquals(Verdict.ACCEPT, d.verdict());
        assertNull(d.reason());
    }

    @Test
    void aMuchHigherRevisionIsAccepted() {
        assertEquals(Verdict.ACCEPT, RevisionGate.decide(7, doc(REV7), 1_000_000, doc(REV7)).verdict());
    }

    @Test
    void theSameRevisionWithTheSameContentInAnotherKeyOrderIsUnchanged() {
        Decision d = RevisionGate.decide(7, doc(REV7), 7, doc(REV7_REORDERED));
        assertEquals(Verdict.UNCHANGED, d.verdict(), "a retained message delivered again is a no-op");
        assertNull(d.reason());
    }

    @Test
    void theSameRevisionWithTheSameTextIsUnchanged() {
        assertEquals(Verdict.UNCHANGED, RevisionGate.decide(7, doc(REV7), 7, doc(REV7)).verdict());
    }

    @Test
    void theSameRevisionWithOtherContentIsRejected() {
        Decision d = RevisionGate.decide(7, doc(REV7), 7, doc(REV7_OTHER));
        assertEquals(Verdict.REJECT, d.verdict());
        assertTrue(d.reason().contains("revision 7"), d.reason());
        assertTrue(d.reason().contains("higher revision"), d.reason());
    }

    @Test
    void aLowerRevisionIsRejectedAndTheReasonNamesBoth() {
        Decision d = RevisionGate.decide(7, doc(REV7), 6, doc(REV7.replace("\"revision\": 7", "\"revision\": 6")));
        assertEquals(Verdict.REJECT, d.verdict());
        assertTrue(d.reason().contains("revision 6"), d.reason());
        assertTrue(d.reason().contains("7"), d.reason());
    }

    @Test
    void aLowerRevisionIsRejectedEvenWithTheAcceptedContent() {
        assertEquals(Verdict.REJECT, RevisionGate.decide(7, doc(REV7), 1, doc(REV7)).verdict());
    }

    @Test
    void theFirstDocumentIsAcceptedWhenNothingWasAcceptedYet() {
        Decision d = RevisionGate.decide(0, null, 1, doc(REV7.replace("\"revision\": 7", "\"revision\": 1")));
        assertEquals(Verdict.ACCEPT, d.verdict());
        assertEquals(Verdict.ACCEPT, RevisionGate.decide(0, null, 7, doc(REV7)).verdict());
    }

    @Test
    void decidesOnTheTreesTheParserKeeps() {
        JsonNode accepted = ((ParsedDocument.Valid) DocumentParser.parseJson(bytes(REV7))).document();
        JsonNode again = ((ParsedDocument.Valid) DocumentParser.parseJson(bytes(REV7_REORDERED))).document();
        assertEquals(Verdict.UNCHANGED, RevisionGate.decide(7, accepted, 7, again).verdict());
    }

    private static JsonNode doc(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
