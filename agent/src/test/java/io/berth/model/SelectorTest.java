package io.berth.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md §10: the selector grammar, its matching and its canonical form. */
class SelectorTest {

    private static final Map<String, String> CANARY = Map.of("tier", "canary", "site", "berlin", "gpu", "");
    private static final Map<String, String> PROD = Map.of("tier", "prod", "site", "paris");

    @Test
    void everyFormMatchesAsKubernetesDoes() {
        assertTrue(Selector.parse("tier=canary").matches(CANARY));
        assertFalse(Selector.parse("tier=canary").matches(PROD));
        assertTrue(Selector.parse("tier==prod").matches(PROD));
        assertTrue(Selector.parse("tier!=canary").matches(PROD));
        assertFalse(Selector.parse("tier!=canary").matches(CANARY));
        assertTrue(Selector.parse("ring!=0").matches(PROD), "!= holds for a device without the label");
        assertTrue(Selector.parse("site in (berlin,paris)").matches(CANARY));
        assertTrue(Selector.parse("site in (berlin,paris)").matches(PROD));
        assertFalse(Selector.parse("site in (rome)").matches(PROD));
        assertFalse(Selector.parse("ring in (a)").matches(PROD), "in needs the label");
        assertTrue(Selector.parse("site notin (rome)").matches(PROD));
        assertTrue(Selector.parse("ring notin (rome)").matches(PROD), "notin holds without the label");
        assertFalse(Selector.parse("site notin (paris)").matches(PROD));
        assertTrue(Selector.parse("gpu").matches(CANARY), "an empty value still counts as having the label");
        assertFalse(Selector.parse("gpu").matches(PROD));
        assertTrue(Selector.parse("!gpu").matches(PROD));
        assertFalse(Selector.parse("!gpu").matches(CANARY));
        assertTrue(Selector.parse("gpu=").matches(CANARY), "key= matches an empty value");
    }

    @Test
    void allRequirementsMustHold() {
        Selector s = Selector.parse(" tier = canary , site in ( berlin , rome ) , !ring ");
        assertTrue(s.matches(CANARY));
        assertFalse(s.matches(Map.of("tier", "canary", "site", "berlin", "ring", "1")));
        assertFalse(s.matches(Map.of("tier", "canary", "site", "paris")));
        assertFalse(s.matches(null));
        assertEquals(3, s.requirements().size());
    }

    @Test
    void prefixedKeysWork() {
        Selector s = Selector.parse("example.com/ring in (0,1)");
        assertTrue(s.matches(Map.of("example.com/ring", "0")));
        assertFalse(s.matches(Map.of("ring", "0")));
    }

    @Test
    void everythingMatchesEveryDeviceAndPrintsEmpty() {
        assertTrue(Selector.everything().matches(Map.of()));
        assertTrue(Selector.everything().matches(null));
        assertEquals("", Selector.everything().toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "tier=canary|tier=canary",
            "tier == canary|tier=canary",
            " site in ( rome , berlin , rome ) |site in (berlin,rome)",
            "site notin(b,a)|site notin (a,b)",
            "!gpu, tier!=prod, arch|arch,!gpu,tier!=prod",
            "b=1,a=1,b=1|a=1,b=1",
            "tier=canary,tier in (canary)|tier=canary,tier in (canary)",
    })
    void toStringIsCanonical(String in, String canonical) {
        Selector s = Selector.parse(in);
        assertEquals(canonical, s.toString());
        assertEquals(s, Selector.parse(canonical), "the canonical form parses back to the same selector");
        assertEquals(s.hashCode(), Selector.parse(canonical).hashCode());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''|the selector is empty",
            "'   '|the selector is empty",
            "tier=canary,|at position 13: expected a label key, found the end",
            ",tier|at position 1: expected a label key, found ','",
            "tier in (a,b|at position 13: expected ',' or ')' in the list of values of 'in', found the end",
            "tier in a|at position 9: expected '(' after 'in', found 'a'",
            "tier in ()|'in ()' needs at least one value",
            "tier>3|at position 5: expected '=', '!=', 'in (…)', 'notin (…)', ',' or the end after the key 'tier', found '>'",
            "tier=can ary|at position 10: expected ',' or the end after 'tier=can', found 'a'",
            "!=x|at position 2: expected a label key before '!=', found '='",
            "tier=-bad|at position 6: label value '-bad': a value may hold only",
            "Example.com/ring=1|at position 1: label key 'Example.com/ring': the prefix before '/' must be a DNS subdomain",
            "tier=canary;site=x|at position 12: expected ',' or the end after 'tier=canary', found ';'",
            "tier=ü|at position 6: expected ',' or the end after 'tier=', found 'ü'",
    })
    void aMalformedSelectorSaysWhereAndWhat(String in, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Selector.parse(in));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void aTooLongValueIsRefused() {
        String v = "a".repeat(64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Selector.parse("k=" + v));
        assertTrue(e.getMessage().contains("64 characters, at most 63"), e.getMessage());
    }
}
