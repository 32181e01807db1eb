package io.berth.fleet.verbs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code berth fleet agent-update}'s checks, made before it reaches the broker. */
class AgentUpdateVerbTest {
    private static final String PINNED = "127.0.0.1:5000/berth/agent@sha256:" + "0f".repeat(32);

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<String> asked = new ArrayList<>();

    private int run(AgentPackageResolver resolver, String... args) {
        return AgentUpdateVerb.main(List.of(args), Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), resolver);
    }

    private AgentPackageResolver holding(String version) {
        return ref -> {
            asked.add(ref);
            return new AgentPackageResolver.Pinned(PINNED, version, List.of("amd64", "arm64", "armhf"));
        };
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aPackageOfAnotherVersionIsAUsageErrorNamingBoth() {
        assertEquals(2, run(holding("0.6.9"), "--selector", "tier=prod", "--version", "0.7.0", "--package",
                "127.0.0.1:5000/berth/agent:0.7.0"));
        assertEquals(List.of("127.0.0.1:5000/berth/agent:0.7.0"), asked, "the reference is pinned first");
        assertTrue(err().contains("holds agent version 0.6.9, not --version 0.7.0"), err());
        assertEquals("", out.toString(StandardCharsets.UTF_8), "no rollout id: nothing was started");
    }

    @Test
    void theTimeoutIsTenSecondsToAnHour() {
        for (String bad : List.of("5s", "61m", "2h", "soon", "0")) {
            err.reset();
            assertEquals(2, run(holding("0.7.0"), "--device", "pi-1", "--version", "0.7.0", "--package", PINNED,
                    "--timeout", bad), bad);
            assertTrue(err().contains("--timeout '" + bad + "' must be a duration from 10s to 1h"), err());
        }
        assertTrue(asked.isEmpty(), "checked before the registry is asked");
    }

    @Test
    void theOptionsAreChecked() {
        assertEquals(2, run(holding("0.7.0"), "--selector", "tier=prod", "--package", PINNED));
        assertTrue(err().contains("give --version V"), err());
        err.reset();
        assertEquals(2, run(holding("0.7.0"), "--selector", "tier=prod", "--version", "0.7.0"));
        assertTrue(err().contains("give --package REF"), err());
        err.reset();
        assertEquals(2, run(holding("0.7.0"), "--version", "0.7.0", "--package", PINNED));
        assertTrue(err().contains("give either --selector S or --device ID"), err());
        err.reset();
        assertEquals(2, run(holding("0.7.0"), "--selector", "tier=prod", "--version", "0.7.0 beta", "--package", PINNED));
        assertTrue(err().contains("is not a package version"), err());
        err.reset();
        assertEquals(2, run(holding("0.7.0"), "--selector", "tier=prod", "--version", "0.7.0", "--package", PINNED,
                "agent.deb"));
        assertTrue(err().contains("unexpected argument 'agent.deb'"), err());
        assertTrue(asked.isEmpty());
    }

    @Test
    void aVersionNoDeviceWouldTakeIsAUsageError() {
        for (String bad : List.of("v0.7", "0.7:1", "1:v2", "latest")) {
            err.reset();
            assertEquals(2, run(holding(bad), "--selector", "tier=prod", "--version", bad, "--package", PINNED), bad);
            assertTrue(err().contains("--version '" + bad + "' is not a package version"), err());
        }
        assertTrue(asked.isEmpty(), "refused before the registry is asked: " + asked);
    }

    private static io.berth.fleet.Device reporting(String id, String engineArch, String agentArch) {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode report = json.createObjectNode();
        report.putObject("engine").put("arch", engineArch);
        if (agentArch != null) {
            report.putObject("agent").put("version", "0.6.0").put("arch", agentArch);
        }
        return new io.berth.fleet.Device(id, true, null, Map.of(), report);
    }

    @Test
    void theAgentsOwnArchitectureDecidesAndAKernelAloneOnlyWarns() {
        AgentPackageResolver.Pinned arm64 = new AgentPackageResolver.Pinned(PINNED, "0.7.0", List.of("amd64",
                "arm64"));
        AgentPackageResolver.Pinned armhf = new AgentPackageResolver.Pinned(PINNED, "0.7.0", List.of("amd64",
                "armhf"));
        // a 32-bit Raspberry Pi OS on a 64-bit kernel: the engine says aarch64, dpkg says armhf
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentUpdateVerb.uncovered(
                List.of(reporting("pi4", "aarch64", "armhf")), arm64));
        assertTrue(e.getMessage().startsWith("the package has no agent for pi4 (armhf): it holds amd64, arm64"),
                e.getMessage());
        assertEquals(List.of(), AgentUpdateVerb.uncovered(List.of(reporting("pi4", "aarch64", "armhf")), armhf));
        assertEquals(List.of(), AgentUpdateVerb.uncovered(List.of(reporting("pi5", "aarch64", "arm64")), arm64));
        // only the kernel's architecture known: aarch64 may be either
        assertEquals(List.of(), AgentUpdateVerb.uncovered(List.of(reporting("old", "aarch64", null)),
                new AgentPackageResolver.Pinned(PINNED, "0.7.0", List.of("arm64", "armhf"))));
        List<String> warnings = AgentUpdateVerb.uncovered(List.of(reporting("old", "aarch64", null)), armhf);
        assertEquals(1, warnings.size(), "not refused on a guess: " + warnings);
        assertTrue(warnings.get(0).contains("old (aarch64)"), warnings.get(0));
        assertEquals(1, AgentUpdateVerb.uncovered(List.of(reporting("old", "aarch64", null)), arm64).size());
        assertEquals(List.of(), AgentUpdateVerb.uncovered(List.of(reporting("pi1", "armv6l", null)), armhf));
        assertThrows(IllegalArgumentException.class, () -> AgentUpdateVerb.uncovered(List.of(reporting("old",
                "aarch64", null)), new AgentPackageResolver.Pinned(PINNED, "0.7.0", List.of("amd64"))));
    }

    @Test
    void aRegistryThatCannotBeAskedFails() {
        assertEquals(1, run(ref -> {
            throw new IOException("connection refused");
        }, "--selector", "tier=prod", "--version", "0.7.0", "--package", PINNED));
        assertTrue(err().contains("cannot read the agent package " + PINNED + ": connection refused"), err());
    }

    @Test
    void devicesOfAnArchitectureThePackageLacksAreRefused() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.function.BiFunction<String, String, io.berth.fleet.Device> device = (id, arch) ->
                new io.berth.fleet.Device(id, true, null, Map.of(), arch == null ? null : json.createObjectNode()
                        .set("engine", json.createObjectNode().put("arch", arch)));
        AgentPackageResolver.Pinned twoArchs = new AgentPackageResolver.Pinned(PINNED, "0.7.0", List.of("amd64",
                "arm64"));
        AgentUpdateVerb.uncovered(List.of(device.apply("a", "x86_64"), device.apply("b", "aarch64"),
                device.apply("c", null)), twoArchs);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentUpdateVerb.uncovered(
                List.of(device.apply("a", "x86_64"), device.apply("pi3", "armv7l")), twoArchs));
        assertEquals("the package has no agent for pi3 (armv7l): it holds amd64, arm64; push a package for their "
                + "architecture, or leave them out with the selector", e.getMessage());
        AgentUpdateVerb.uncovered(List.of(device.apply("pi3", "armv7l")), new AgentPackageResolver.Pinned(PINNED,
                "0.7.0", List.of("amd64", "armhf")));
        AgentUpdateVerb.uncovered(List.of(device.apply("pi3", "armv7l")), new AgentPackageResolver.Pinned(PINNED,
                "0.7.0", List.of("amd64", "all"))); // an 'all' package: every device takes it
        AgentUpdateVerb.uncovered(List.of(device.apply("pi3", "armv7l")), new AgentPackageResolver.Pinned(PINNED,
                null, List.of())); // architectures unknown: nothing refused
        assertEquals(List.of("armhf"), AgentUpdateVerb.debianArchs("armv7l"));
        assertEquals(List.of("arm64", "armhf"), AgentUpdateVerb.debianArchs("aarch64"));
    }

    @Test
    void helpSaysUsage() {
        assertEquals(2, run(holding("0.7.0")));
        assertTrue(err().startsWith("Usage: berth fleet agent-update"), "no arguments: the usage, on stderr");
        assertEquals(0, run(holding("0.7.0"), "--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Usage: berth fleet agent-update"));
        out.reset();
        assertEquals(0, FleetCommand.main(List.of("--help"), Map.of(), new PrintStream(out, true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), null));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("berth fleet agent-update (--selector S | --device ID…)"
                + " --version V --package REF"));
    }
}
