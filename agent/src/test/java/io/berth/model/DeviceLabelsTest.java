package io.berth.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** PROTOCOL.md §10: device labels follow Kubernetes' label rules; a bad one is named. */
class DeviceLabelsTest {

    @ParameterizedTest
    @ValueSource(strings = {"tier", "a", "x.y_z-1", "example.com/ring", "a-b.c/d", "A1", "k8s.io/arch"})
    void validKeys(String key) {
        assertNull(DeviceLabels.keyProblem(key), key);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''|cannot be empty",
            "-tier|must begin and end with a letter or digit",
            "tier.|must begin and end with a letter or digit",
            "ti er|may hold only letters",
            "/ring|the prefix before '/' must be 1 to 253",
            "Example.com/ring|must be a DNS subdomain",
            "ex..com/ring|must be a DNS subdomain",
            "example.com/|the name cannot be empty",
            "a/b/c|may hold only letters",
    })
    void invalidKeys(String key, String problem) {
        String p = DeviceLabels.keyProblem(key);
        assertTrue(p != null && p.contains(problem), key + " -> " + p);
    }

    @Test
    void lengthLimits() {
        assertNull(DeviceLabels.keyProblem("k".repeat(63)));
        assertTrue(DeviceLabels.keyProblem("k".repeat(64)).contains("at most 63"));
        assertNull(DeviceLabels.valueProblem("v".repeat(63)));
        assertTrue(DeviceLabels.valueProblem("v".repeat(64)).contains("at most 63"));
        assertNull(DeviceLabels.valueProblem(""), "an empty value is allowed");
    }

    @Test
    void parseReadsTheEnvironmentForm() {
        assertEquals(Map.of("tier", "canary", "site", "berlin", "gpu", ""),
                DeviceLabels.parse(" tier=canary, site = berlin ,gpu="));
        assertEquals(Map.of(), DeviceLabels.parse(""));
        assertEquals(Map.of(), DeviceLabels.parse(null));
        assertEquals(List.of("a", "b", "c"), List.copyOf(DeviceLabels.parse("c=1,a=2,b=3").keySet()), "sorted by key");
    }

    @Test
    void parseNamesTheBadPair() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceLabels.parse("tier=canary,prod"))
                .getMessage().contains("label 'prod' has no '='"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceLabels.parse("tier=a,tier=b"))
                .getMessage().contains("'tier' is given twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceLabels.parse("tier=a b"))
                .getMessage().contains("label 'tier' value 'a b'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceLabels.parse("-x=1"))
                .getMessage().contains("label key '-x'"));
    }

    @Test
    void validateBoundsTheCount() {
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i <= DeviceLabels.MAX_LABELS; i++) {
            many.put("k" + i, "v");
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceLabels.validate(many))
                .getMessage().contains("at most 64 labels"));
    }
}
