package io.berth.spec;

import static io.berth.spec.SpecFixtures.desired;
import static io.berth.spec.SpecFixtures.errors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.model.AgentUpdate;
import io.berth.model.DesiredState;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The top-level {@code agent} (PROTOCOL.md §3): what a device takes, and what it refuses with the path. */
class AgentKeyTest {
    static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);
    static final String REF = "127.0.0.1:5000/berth/agent@" + DIGEST;

    private static String doc(String agent) {
        return "{\"revision\": 3, \"services\": {}, \"agent\": " + agent + "}";
    }

    @Test
    void aPinnedPackageWithTheDefaultTimeout() {
        DesiredState state = desired(doc("{\"version\": \"0.7.0\", \"package\": \"" + REF + "\"}"));
        assertEquals(new AgentUpdate("0.7.0", REF, Duration.ofMinutes(5)), state.agent());
        assertEquals("127.0.0.1:5000", state.agent().registry());
    }

    @Test
    void timeoutsAndDebianVersions() {
        assertEquals(Duration.ofSeconds(90), desired(doc("{\"version\": \"1:0.7.0~snapshot.20261201-2+b1\", "
                + "\"package\": \"" + REF + "\", \"timeout\": \"1m30s\"}")).agent().timeout());
        assertEquals(Duration.ofSeconds(10), desired(doc("{\"version\": \"0.7\", \"package\": \"" + REF
                + "\", \"timeout\": 10}")).agent().timeout());
        assertEquals(Duration.ofHours(1), desired(doc("{\"version\": \"0.7\", \"package\": \""
                + "registry.example.com/a/b/c@" + DIGEST + "\", \"timeout\": \"1h\"}")).agent().timeout());
        assertEquals(Duration.ofHours(1), desired(doc("{\"version\": \"0.7\", \"package\": \"localhost/berth@"
                + DIGEST + "\", \"timeout\": \"60m\"}")).agent().timeout());
    }

    @Test
    void absentOrNullLeavesTheAgentAsItIs() {
        assertNull(desired("{\"revision\": 1, \"services\": {}}").agent());
        assertNull(desired(doc("null")).agent());
    }

    @Test
    void eachRefusalNamesItsPath() {
        assertEquals(List.of(new SpecError("agent.package", "'127.0.0.1:5000/berth/agent:0.7.0' is not pinned by "
                        + "digest: a tag can be moved to another package, so pin it (\"HOST/REPO@sha256:<64 hex digits>\";"
                        + " 'berth fleet agent-package push' prints the pinned reference)")),
                errors(doc("{\"version\": \"0.7.0\", \"package\": \"127.0.0.1:5000/berth/agent:0.7.0\"}")));
        assertMessage("agent.package", "names no registry host", "{\"version\": \"0.7.0\", \"package\": \"berth/agent@"
                + DIGEST + "\"}");
        assertMessage("agent.package", "is not a pinned registry reference", "{\"version\": \"0.7.0\", \"package\": "
                + "\"127.0.0.1:5000/berth/agent@sha256:abc\"}");
        assertMessage("agent.package", "is not a pinned registry reference", "{\"version\": \"0.7.0\", \"package\": "
                + "\"127.0.0.1:5000/Berth/agent@" + DIGEST + "\"}");
        assertMessage("agent.version", "is not a Debian package version", "{\"version\": \"0.7.0 beta\", "
                + "\"package\": \"" + REF + "\"}");
        assertMessage("agent.version", "is not a Debian package version", "{\"version\": \"\", \"package\": \""
                + REF + "\"}");
        assertMessage("agent.timeout", "is not a duration", "{\"version\": \"0.7\", \"package\": \"" + REF
                + "\", \"timeout\": \"soon\"}");
        assertMessage("agent.timeout", "must be from 10s to 1h", "{\"version\": \"0.7\", \"package\": \"" + REF
                + "\", \"timeout\": \"61m\"}");
        assertMessage("agent.x", "unknown key 'x'", "{\"version\": \"0.7\", \"package\": \"" + REF + "\", \"x\": 1}");
    }

    @Test
    void extensionKeysAreIgnoredAsEverywhere() {
        assertEquals("0.7", desired(doc("{\"version\": \"0.7\", \"package\": \"" + REF + "\", \"x-note\": 1}"))
                .agent().version());
    }

    @Test
    void theRegistryAllowListAppliesToThePackage() throws Exception {
        String json = doc("{\"version\": \"0.7\", \"package\": \"registry.example.com/berth/agent@" + DIGEST + "\"}");
        DesiredState state = desired(json);
        DevicePolicy onlyLocal = new DevicePolicy(true, true, true, null, true, true, List.of(),
                List.of("127.0.0.1:5000"));
        List<SpecError> refused = onlyLocal.check(state, new ObjectMapper().readTree(json),
                PolicyHost.lexical(java.nio.file.Path.of("/var/lib/berth/data")));
        assertEquals(List.of("agent.package"), refused.stream().map(SpecError::path).toList());
        assertTrue(refused.get(0).message().contains("registry registry.example.com is not on this device's "
                + "allow-list (policy.registries=127.0.0.1:5000)"), refused::toString);
        assertEquals(List.of(), onlyLocal.check(desired(doc("{\"version\": \"0.7\", \"package\": \"" + REF + "\"}"))));
        assertEquals(List.of(), DevicePolicy.PERMISSIVE.check(state));
        assertEquals(Set.of(), Set.copyOf(new DevicePolicy(true, true, true, null, true, true, List.of(), List.of())
                .check(state)));
    }

    @Test
    void aDocumentWithoutRevisionValidatesLocallyWithIt() {
        com.fasterxml.jackson.databind.node.ObjectNode document = new ObjectMapper().createObjectNode();
        document.putObject("services");
        document.putObject("agent").put("version", "0.7").put("package", REF);
        ParsedDocument parsed = DocumentParser.parseLocal(document);
        assertEquals("0.7", assertInstanceOf(ParsedDocument.Valid.class, parsed).state().agent().version());
    }

    private static void assertMessage(String path, String fragment, String agent) {
        List<SpecError> errors = errors(doc(agent));
        assertTrue(errors.stream().anyMatch(e -> e.path().equals(path) && e.message().contains(fragment)),
                () -> "expected " + path + ": …" + fragment + "…, got " + errors);
    }
}
