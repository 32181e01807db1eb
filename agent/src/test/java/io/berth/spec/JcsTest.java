package io.berth.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** RFC 8785 (JCS), against the RFC's own examples. */
class JcsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theRfcsMainExample() throws Exception {
        // RFC 8785 §3.2.3
        String input = """
                {
                  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
                  "string": "\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\"\\/",
                  "literals": [null, true, false]
                }""";
        String expected = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
                + "\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
        assertEquals(expected, new String(Jcs.canonicalize(JSON.readTree(input)), StandardCharsets.UTF_8));
    }

    @Test
    void keysSortByUtf16CodeUnits() throws Exception {
        // RFC 8785 §3.2.3, the sorting example
        String input = "{\"\\u20ac\": \"Euro Sign\", \"\\r\": \"Carriage Return\", \"\\ufb33\": \"Hebrew Letter Dalet With "
                + "Dagesh\", \"1\": \"One\", \"\\ud83d\\ude00\": \"Emoji: Grinning Face\", \"\\u0080\": \"Control\", "
                + "\"\\u00f6\": \"Latin Small Letter O With Diaeresis\"}";
        String canonical = new String(Jcs.canonicalize(JSON.readTree(input)), StandardCharsets.UTF_8);
        String order = canonical.replaceAll("\":\"[^\"]*\"", "").replaceAll("[{}\",]", "");
        assertEquals("\\r1\u0080\u00f6\u20ac\ud83d\ude00\ufb33", order);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        // RFC 8785 Appendix B: IEEE 754 bits and their ECMAScript text
        "0000000000000000, 0",
        "8000000000000000, 0",
        "0000000000000001, 5e-324",
        "8000000000000001, -5e-324",
        "7fefffffffffffff, 1.7976931348623157e+308",
        "ffefffffffffffff, -1.7976931348623157e+308",
        "4340000000000000, 9007199254740992",
        "c340000000000000, -9007199254740992",
        "4430000000000000, 295147905179352830000",
        "44b52d02c7e14af5, 9.999999999999997e+22",
        "44b52d02c7e14af6, 1e+23",
        "44b52d02c7e14af7, 1.0000000000000001e+23",
        "444b1ae4d6e2ef4e, 999999999999999700000",
        "444b1ae4d6e2ef4f, 999999999999999900000",
        "444b1ae4d6e2ef50, 1e+21",
        "3eb0c6f7a0b5ed8c, 9.999999999999997e-7",
        "3eb0c6f7a0b5ed8d, 0.000001",
        "41b3de4355555553, 333333333.3333332",
        "41b3de4355555554, 333333333.33333325",
        "41b3de4355555555, 333333333.3333333",
        "41b3de4355555556, 333333333.3333334",
        "41b3de4355555557, 333333333.33333343",
        "becbf647612f3696, -0.0000033333333333333333",
        "43143ff3c1cb0959, 1424953923781206.2",
    })
    void numbers(String bits, String expected) {
        assertEquals(expected, Jcs.number(Double.longBitsToDouble(Long.parseUnsignedLong(bits, 16))));
    }

    /** Issue 15: no two documents that mean different things to the agent share one canonical form (and signature). */
    @Test
    void numbersAndStringsThatWouldNotSurviveCanonicalizationAreRefused() throws Exception {
        for (String json : List.of("{\"revision\": 9007199254740993}", "{\"n\": -9007199254740993}",
                "{\"n\": 123456789012345678901234567890}", "{\"env\": {\"N\": 10.0}}", "{\"n\": 1e2}",
                "{\"n\": [0.0]}", "{\"s\": \"\\ud800\"}", "{\"\\udc00\": 1}", "{\"s\": \"a\\ude00b\"}")) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Jcs.canonicalize(JSON.readTree(json)), json);
            org.junit.jupiter.api.Assertions.assertFalse(e.getMessage().isBlank());
        }
        // what stays: 2^53 itself, fractions, large doubles, paired surrogates
        assertEquals("{\"a\":9007199254740992,\"b\":4.5,\"c\":1e+30,\"d\":\"\ud83d\ude00\"}",
                new String(Jcs.canonicalize(JSON.readTree("{\"a\": 9007199254740992, \"b\": 4.50, \"c\": 1E30, "
                        + "\"d\": \"\\ud83d\\ude00\"}")), StandardCharsets.UTF_8));
    }

    @Test
    void aDocumentThatCannotBeCanonicalizedFailsItsSignatureCheckWithTheReason() throws Exception {
        var key = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        var signed = Signatures.sign((com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(
                "{\"revision\": 1, \"services\": {}}"), "ops", key.getPrivate());
        signed.put("revision", new java.math.BigInteger("9007199254740993"));
        List<SpecError> errors = Signatures.verify(signed, java.util.Map.of("ops", key.getPublic()));
        assertEquals("signature", errors.get(0).path());
        org.junit.jupiter.api.Assertions.assertTrue(errors.get(0).message().contains("beyond 2^53"), errors::toString);
    }
}
