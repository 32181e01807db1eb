package io.berth.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.fleet.verbs.FleetCommand;
import io.berth.model.RegistryAuth;
import io.berth.model.Secret;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agent packages through the real registries of dev-services: the open one (127.0.0.1:5000) and
 * the htpasswd one (127.0.0.1:5001, user berth-dev). Each run pushes to a repository of its own
 * (berthtest/agent-RANDOM); the registry cannot delete, and these few small blobs stay.
 */
class AgentPackagesIT {
    private static final Path PASSWORD = Path.of("/var/tmp/berth-dev/registry-auth/password");
    private static final String VERSION = "0.0.1~it";

    @TempDir
    static Path dir;
    static Path amd64;
    static Path arm64;
    private final AgentPackages packages = new AgentPackages(new RegistryClient(10_000));

    @BeforeAll
    static void build() throws Exception {
        assertTrue(TestDebs.available(), "dpkg-deb builds the test packages");
        amd64 = TestDebs.build(dir, VERSION, "amd64");
        arm64 = TestDebs.build(dir, VERSION, "arm64");
    }

    private static String repository() {
        return "berthtest/agent-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    @Test
    void pushResolveAndFetchThroughTheRegistry() throws Exception {
        String tag = "127.0.0.1:5000/" + repository() + ":0.0.1";
        AgentPackages.Pinned pushed = packages.push(tag, List.of(amd64, arm64), null);
        assertTrue(pushed.ref().matches("127\\.0\\.0\\.1:5000/berthtest/agent-[0-9a-f]{16}@sha256:[0-9a-f]{64}"), pushed.ref());
        assertEquals(new AgentPackages.Pinned(pushed.ref(), VERSION, List.of("amd64", "arm64")), pushed);
        assertEquals(pushed, packages.resolve(tag, null));
        assertEquals(pushed, packages.resolve(pushed.ref(), null));

        Path target = dir.resolve("fetched/berth.deb");
        AgentPackages.Fetched fetched = packages.fetch(pushed.ref(), "amd64", null, target, 10 << 20);
        assertArrayEquals(Files.readAllBytes(amd64), Files.readAllBytes(target));
        assertEquals(VERSION, fetched.version());
        assertEquals(Files.size(amd64), fetched.size());
        RegistryException armhf = assertThrows(RegistryException.class,
                () -> packages.fetch(pushed.ref(), "armhf", null, dir.resolve("fetched/armhf.deb"), 10 << 20));
        assertTrue(armhf.getMessage().contains("has no package for armhf (it has amd64, arm64)"), armhf.getMessage());
        try (Stream<Path> left = Files.list(target.getParent())) {
            assertEquals(List.of(target), left.toList(), "only the fetched package, no temporary file");
        }

        RegistryException image = assertThrows(RegistryException.class,
                () -> packages.resolve("127.0.0.1:5000/demo/busybox:1", null));
        assertTrue(image.getMessage().contains("127.0.0.1:5000/demo/busybox:1 is not an agent artifact"), image.getMessage());
    }

    @Test
    void theAuthRegistryWantsCredentialsAndNeverSeesThemPrinted() throws Exception {
        String password = Files.readString(PASSWORD).strip();
        String tag = "127.0.0.1:5001/" + repository() + ":0.0.1";

        RegistryException anonymous = assertThrows(RegistryException.class, () -> packages.push(tag, List.of(amd64), null));
        assertTrue(anonymous.getMessage().contains("the registry 127.0.0.1:5001 wants credentials and none were given; "
                + "run 'docker login 127.0.0.1:5001'"), anonymous.getMessage());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of("agent-package", "push", tag, amd64.toString(), arm64.toString(), "--json"));
        int code = FleetCommand.main(args, Map.of("HOME", dir.toString(), "BERTH_REGISTRY_USERNAME", "berth-dev",
                        "BERTH_REGISTRY_PASSWORD", password), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), null);
        assertEquals(FleetCommand.OK, code, err.toString(StandardCharsets.UTF_8));
        JsonNode printed = new ObjectMapper().readTree(out.toByteArray());
        String pinned = printed.path("ref").asText();
        assertEquals(VERSION, printed.path("version").asText());
        assertFalse((out + err.toString()).contains(password), "the password is never printed");

        RegistryAuth auth = new RegistryAuth("127.0.0.1:5001", "berth-dev", new Secret(password));
        Path target = dir.resolve("auth/berth.deb");
        packages.fetch(pinned, "arm64", auth, target, 10 << 20);
        assertArrayEquals(Files.readAllBytes(arm64), Files.readAllBytes(target));

        Path denied = Files.createDirectories(dir.resolve("denied")).resolve("berth.deb");
        RegistryException wrong = assertThrows(RegistryException.class, () -> packages.fetch(pinned, "arm64",
                new RegistryAuth("127.0.0.1:5001", "berth-dev", new Secret("not-" + password)), denied, 10 << 20));
        assertTrue(wrong.getMessage().contains("HTTP 401 UNAUTHORIZED: authentication required; check the credentials"),
                wrong.getMessage());
        assertFalse(wrong.getMessage().contains(password));
        RegistryException none = assertThrows(RegistryException.class, () -> packages.fetch(pinned, "arm64", null, denied, 10 << 20));
        assertTrue(none.getMessage().contains("wants credentials and none were given; give them in the document's registries"),
                none.getMessage());
        try (Stream<Path> left = Files.list(denied.getParent())) {
            assertEquals(List.of(), left.toList(), "nothing kept from a refused fetch");
        }
    }
}
