package io.berth.cli;

import io.berth.support.Args;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArgsTest {
    private static final Set<String> FLAGS = Set.of("--follow", "--timestamps");
    private static final Set<String> VALUES = Set.of("--tail", "--since");
    private static final Map<String, String> ALIASES = Map.of("-f", "--follow", "-t", "--timestamps", "-n", "--tail");

    private static Args parse(String... args) throws Args.UsageException {
        return Args.parse(List.of(args), FLAGS, VALUES, ALIASES);
    }

    @Test
    void optionsGoBeforeOrAfterTheServiceLikeDockerLogs() throws Exception {
        for (Args a : List.of(parse("-f", "--tail", "5", "web"), parse("web", "-f", "--tail=5"),
                parse("-n", "5", "web", "--follow"))) {
            assertEquals(List.of("web"), a.positional);
            assertTrue(a.has("--follow"));
            assertFalse(a.has("--timestamps"));
            assertEquals("5", a.value("--tail"));
        }
    }

    @Test
    void shortFlagsBundle() throws Exception {
        Args a = parse("-ft", "web");
        assertTrue(a.has("--follow"));
        assertTrue(a.has("--timestamps"));
    }

    @Test
    void doubleDashEndsOptions() throws Exception {
        assertEquals(List.of("-f"), parse("--", "-f").positional);
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertEquals("unknown option --bogus", assertThrows(Args.UsageException.class, () -> parse("--bogus"))
                .getMessage());
        assertEquals("option --tail needs a value", assertThrows(Args.UsageException.class,
                () -> parse("web", "--tail")).getMessage());
        assertEquals("unknown option -x", assertThrows(Args.UsageException.class, () -> parse("-fx")).getMessage());
        assertEquals("option --follow takes no value", assertThrows(Args.UsageException.class,
                () -> parse("--follow=yes")).getMessage());
    }

    @Test
    void sinceTakesWhatDockerTakes() throws Exception {
        Instant now = Instant.parse("2026-11-23T10:00:00Z");
        assertEquals(now.getEpochSecond() - 600, Times.epochSeconds("--since", "10m", now));
        assertEquals(now.getEpochSecond() - 7200, Times.epochSeconds("--since", "2h", now));
        assertEquals(1700000000L, Times.epochSeconds("--since", "1700000000", now));
        assertEquals(Instant.parse("2026-11-23T09:00:00Z").getEpochSecond(),
                Times.epochSeconds("--since", "2026-11-23T09:00:00Z", now));
        assertEquals(java.time.LocalDate.parse("2026-11-22").atStartOfDay(ZoneId.systemDefault()).toEpochSecond(),
                Times.epochSeconds("--since", "2026-11-22", now));
        assertThrows(Args.UsageException.class, () -> Times.epochSeconds("--since", "yesterday", now));
    }
}
