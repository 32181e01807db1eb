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
}
