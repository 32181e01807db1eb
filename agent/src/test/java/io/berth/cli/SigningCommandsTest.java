package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.spec.Signatures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** berth keygen and berth sign, end to end: what sign prints verifies with what keygen printed. */
class SigningCommandsTest {
    @TempDir
    Path dir;

    private String out;

    private int berth(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int code = Main.run(args, Map.of("TAG", "1"), new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        out = o.toString(StandardCharsets.UTF_8);
        return code;
    }

    @Test
    void keygenThenSignGivesADocumentTheDeviceAccepts() throws Exception {
        Path key = dir.resolve("ops.key");
        assertEquals(0, berth("keygen", "--out", key.toString(), "--id", "ops-2026"));
        String trusted = out.strip();
        assertTrue(trusted.startsWith("ops-2026="), trusted);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals(1, berth("keygen", "--out", key.toString()), "never overwrites a key");

        Path doc = dir.resolve("compose.yaml");
        Files.writeString(doc, "revision: 2\nservices:\n  web:\n    image: busybox:${TAG}\n");
        assertEquals(0, berth("sign", "--key", key.toString(), doc.toString()));
        JsonNode signed = new ObjectMapper().readTree(out);
        assertEquals("busybox:1", signed.at("/services/web/image").asText());
        assertEquals("ops-2026", signed.at("/signature/keyId").asText());
        assertEquals(List.of(), Signatures.verify(signed, Signatures.parseTrustedKeys(trusted)));
    }

    @Test
    void signBindsTheDocumentToDevicesOrASelectorAndADeadline() throws Exception {
        Path key = dir.resolve("ops.key");
        assertEquals(0, berth("keygen", "--out", key.toString(), "--id", "ops"));
        var trusted = Signatures.parseTrustedKeys(out.strip());
        Path doc = dir.resolve("doc.json");
        Files.writeString(doc, "{\"revision\": 2, \"services\": {}}");
        assertEquals(0, berth("sign", "--key", key.toString(), "--device", "pi-1", "--device", "pi-2",
                "--not-after", "2026-12-31T00:00:00Z", doc.toString()));
        JsonNode signed = new ObjectMapper().readTree(out);
        assertEquals("[\"pi-1\",\"pi-2\"]", signed.at("/target/devices").toString());
        assertEquals("2026-12-31T00:00:00Z", signed.path("notAfter").asText());
        assertEquals(List.of(), Signatures.verify(signed, trusted), "target and notAfter are signed");
        java.time.Instant before = java.time.Instant.parse("2026-12-01T00:00:00Z");
        assertEquals(List.of(), Signatures.checkTarget(signed, "pi-2", Map.of(), before));
        assertEquals("target.devices", Signatures.checkTarget(signed, "pi-3", Map.of(), before).get(0).path());
        assertEquals("notAfter", Signatures.checkTarget(signed, "pi-1", Map.of(),
                java.time.Instant.parse("2027-01-01T00:00:00Z")).get(0).path());

        assertEquals(0, berth("sign", "--key", key.toString(), "--selector", "tier=canary,arch in (arm64)",
                "--not-after", "72h", doc.toString()));
        signed = new ObjectMapper().readTree(out);
        assertEquals(List.of(), Signatures.checkTarget(signed, "x", Map.of("tier", "canary", "arch", "arm64"),
                java.time.Instant.now()));
        assertEquals("target.selector", Signatures.checkTarget(signed, "x", Map.of("tier", "prod", "arch", "arm64"),
                java.time.Instant.now()).get(0).path());
        assertEquals(2, berth("sign", "--key", key.toString(), "--selector", "tier in (", doc.toString()),
                "a malformed selector is not signed");
        assertEquals(2, berth("sign", "--key", key.toString(), "--device", "a", "--selector", "t=1", doc.toString()));
        assertEquals(2, berth("sign", "--key", key.toString(), "--not-after", "someday", doc.toString()));
    }
}
