package io.berth.model;

import static io.berth.spec.SpecFixtures.desired;
import static io.berth.spec.SpecFixtures.web;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * PROTOCOL.md §8: "a container whose normalized spec hash is unchanged is never recreated". The hash
 * must not move for equivalent spellings, and must move for anything that needs a new container.
 * Specs are built the real way, by parsing documents.
 */
class ServiceSpecHashTest {

    private static final String BASE = """
            {"image": "busybox:1", "command": ["httpd", "-f", "-p", "80"], "environment": {"MODE": "prod", "N": "1"},
             "ports": ["127.0.0.1:8080:80"], "volumes": ["data:/data"], "restart": "unless-stopped"}""";

    @Test
    void isASha256InHex() {
        String hash = web(BASE).hash();
        assertTrue(hash.matches("[0-9a-f]{64}"), hash);
    }

    @Test
    void isStableAcrossCallsAndParses() {
        assertEquals(web(BASE).hash(), web(BASE).hash());
        assertEquals(web(BASE), web(BASE));
    }

    @Test
    void ignoresKeyOrderInTheDocument() {
        String reordered = """
                {"restart": "unless-stopped", "volumes": ["data:/data"], "ports": ["127.0.0.1:8080:80"],
                 "environment": {"N": "1", "MODE": "prod"}, "command": ["httpd", "-f", "-p", "80"], "image": "busybox:1"}""";
        assertSameHash(BASE, reordered);
    }

    @Test
    void environmentAsMapOrListIsTheSame() {
        assertSameHash("{\"image\": \"busybox\", \"environment\": {\"MODE\": \"prod\", \"N\": 1, \"ON\": true}}",
                "{\"image\": \"busybox\", \"environment\": [\"ON=true\", \"MODE=prod\", \"N=1\"]}");
    }

    @Test
    void commandAsStringOrListIsTheSame() {
        assertSameHash("{\"image\": \"busybox\", \"command\": \"sh -c 'echo hi'\"}",
                "{\"image\": \"busybox\", \"command\": [\"sh\", \"-c\", \"echo hi\"]}");
        assertSameHash("{\"image\": \"busybox\", \"entrypoint\": \"/entry.sh --x\"}",
                "{\"image\": \"busybox\", \"entrypoint\": [\"/entry.sh\", \"--x\"]}");
    }

    @Test
    void integerOrStringPortIsTheSame() {
        assertSameHash("{\"image\": \"busybox\", \"ports\": [80]}", "{\"image\": \"busybox\", \"ports\": [\"80\"]}");
        assertSameHash("{\"image\": \"busybox\", \"ports\": [80]}", "{\"image\": \"busybox\", \"ports\": [\"80/tcp\"]}");
    }

    @Test
    void tcpIsTheDefaultProtocol() {
        assertSameHash("{\"image\": \"busybox\", \"ports\": [\"8080:80\"]}",
                "{\"image\": \"busybox\", \"ports\": [\"8080:80/tcp\"]}");
        assertSameHash("{\"image\": \"busybox\", \"ports\": [\"127.0.0.1:8080:80\"]}",
                "{\"image\": \"busybox\", \"ports\": [\"127.0.0.1:8080:80/tcp\"]}");
    }

    @Test
    void aRangeIsTheSameAsItsPorts() {
        assertSameHash("{\"image\": \"busybox\", \"ports\": [\"127.0.0.1:9000-9001:90-91\"]}",
                "{\"image\": \"busybox\", \"ports\": [\"127.0.0.1:9000:90\", \"127.0.0.1:9001:91\"]}");
    }

    @Test
    void anExplicitDefaultIsTheSameAsNone() {
        assertSameHash("{\"image\": \"busybox\"}", "{\"image\": \"busybox\", \"restart\": \"no\"}");
        assertSameHash("{\"image\": \"busybox\"}", "{\"image\": \"busybox\", \"container_name\": \"web\"}");
        assertSameHash("{\"image\": \"busybox\"}", "{\"image\": \"busybox\", \"volumes\": [], \"ports\": [], "
                + "\"environment\": {}}");
        assertSameHash("{\"image\": \"busybox\", \"volumes\": [\"data:/data\"]}",
                "{\"image\": \"busybox\", \"volumes\": [\"data:/data:rw\"]}");
        assertSameHash("{\"image\": \"busybox\", \"restart\": \"on-failure\"}",
                "{\"image\": \"busybox\", \"restart\": \"on-failure:0\"}");
    }

    @Test
    void extensionKeysDoNotCount() {
        assertSameHash(BASE, BASE.replace("{\"image\"", "{\"x-note\": \"hi\", \"image\""));
    }

    @Test
    void onlyStateChangingKeepsTheHash() {
        String stopped = BASE.replace("\"restart\"", "\"state\": \"stopped\", \"restart\"");
        assertEquals(RunState.STOPPED, web(stopped).state());
        assertSameHash(BASE, stopped);
        assertEquals(web(BASE).hash(), web(BASE).withState(RunState.STOPPED).hash());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            image tag                 | "busybox:1"                    | "busybox:2"
            image registry            | "busybox:1"                    | "127.0.0.1:5000/busybox:1"
            command word              | ["httpd", "-f", "-p", "80"]    | ["httpd", "-f", "-p", "81"]
            command order             | ["httpd", "-f", "-p", "80"]    | ["httpd", "-p", "80", "-f"]
            env value                 | {"MODE": "prod", "N": "1"}     | {"MODE": "dev", "N": "1"}
            env key added             | {"MODE": "prod", "N": "1"}     | {"MODE": "prod", "N": "1", "X": ""}
            host port                 | ["127.0.0.1:8080:80"]          | ["127.0.0.1:8081:80"]
            container port            | ["127.0.0.1:8080:80"]          | ["127.0.0.1:8080:81"]
            host ip                   | ["127.0.0.1:8080:80"]          | ["0.0.0.0:8080:80"]
            protocol                  | ["127.0.0.1:8080:80"]          | ["127.0.0.1:8080:80/udp"]
            port added                | ["127.0.0.1:8080:80"]          | ["127.0.0.1:8080:80", "443"]
            volume target             | ["data:/data"]                 | ["data:/srv"]
            volume source             | ["data:/data"]                 | ["logs:/data"]
            volume read-only          | ["data:/data"]                 | ["data:/data:ro"]
            named volume to bind      | ["data:/data"]                 | ["/data:/data"]
            restart policy            | "unless-stopped"               | "always"
            """)
    void changesWhenTheContainerMustChange(String what, String before, String after) {
        String key = switch (what.split(" ")[0]) {
            case "image" -> "image";
            case "command" -> "command";
            case "env" -> "environment";
            case "volume", "named" -> "volumes";
            case "restart" -> "restart";
            default -> "ports";
        };
        String changed = BASE.replace("\"" + key + "\": " + before, "\"" + key + "\": " + after);
        assertNotEquals(BASE, changed, "the fixture did not apply: " + what);
        assertNotEquals(web(BASE).hash(), web(changed).hash(), what + " must change the hash");
    }

    @Test
    void changesWithTheRestartRetryCount() {
        assertNotEquals(web("{\"image\": \"busybox\", \"restart\": \"on-failure:3\"}").hash(),
                web("{\"image\": \"busybox\", \"restart\": \"on-failure:4\"}").hash());
        assertNotEquals(web("{\"image\": \"busybox\", \"restart\": \"on-failure\"}").hash(),
                web("{\"image\": \"busybox\", \"restart\": \"on-failure:4\"}").hash());
    }

    @Test
    void changesWithTheContainerName() {
        assertNotEquals(web("{\"image\": \"busybox\"}").hash(),
                web("{\"image\": \"busybox\", \"container_name\": \"web-1\"}").hash());
    }

    @Test
    void changesWithTheEntrypoint() {
        assertNotEquals(web("{\"image\": \"busybox\"}").hash(),
                web("{\"image\": \"busybox\", \"entrypoint\": [\"/bin/sh\"]}").hash());
    }

    @Test
    void anEmptyCommandIsNotTheImageDefault() {
        assertNotEquals(web("{\"image\": \"busybox\"}").hash(),
                web("{\"image\": \"busybox\", \"command\": []}").hash());
    }

    @Test
    void theDemoServiceHashIsPinned() throws Exception {
        // Changing the canonical form changes every berth.hash label, so every device recreates every
        // container on upgrade. If that is intended, update this value and say so in the release notes.
        Path demo = Files.isRegularFile(Path.of("../provisioning/examples/demo.json"))
                ? Path.of("../provisioning/examples/demo.json") : Path.of("provisioning/examples/demo.json");
        ServiceSpec before = io.berth.spec.SpecFixtures.desiredWithoutDefaultNetwork(Files.readString(demo))
                .services().get("web");
        assertEquals(PINNED_DEMO_HASH, before.hash(), "the canonical form of ServiceSpec.hash() changed");
        // the default network (docs/desired-state.md): a service that names no network joins
        // berth_default, so its container is recreated once on the upgrade that brings it
        ServiceSpec spec = desired(Files.readString(demo)).services().get("web");
        assertEquals(PINNED_DEMO_HASH_ON_THE_DEFAULT_NETWORK, spec.hash());
    }

    private static final String PINNED_DEMO_HASH = "cb21f65603919af2d7ea34e753d93d0876bcfda31264e676a9bff7cd53432cf1";
    private static final String PINNED_DEMO_HASH_ON_THE_DEFAULT_NETWORK =
            "8de71218f31024529e3e0ae52ba2091e191a8433b3c6ed3f3d90a14e2354dd4f";

    private static void assertSameHash(String a, String b) {
        ServiceSpec first = web(a);
        ServiceSpec second = web(b);
        assertEquals(first.hash(), second.hash(), () -> "expected the same hash for\n  " + a + "\n  " + b
                + "\nparsed as\n  " + first + "\n  " + second);
    }
}
