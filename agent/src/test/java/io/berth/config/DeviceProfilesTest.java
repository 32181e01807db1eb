package io.berth.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every profile of the device-profiles module loads, has every key, and every value parses. */
class DeviceProfilesTest {

    static final List<String> BOARDS = List.of("raspberry-pi-3", "raspberry-pi-4", "raspberry-pi-5",
            "raspberry-pi-zero-2w", "jetson-orin-nano", "beaglebone-black", "generic-arm64", "generic-armv7",
            "generic-amd64", "generic");
    private static final Set<String> SIZES = Set.of("logs.bufferBytes", "logs.batchBytes", "disk.pullFloor",
            "disk.stateFloor", "memory", "service.memoryHigh", "service.memoryMax");
    private static final Set<String> DURATIONS = Set.of("report.minInterval", "report.heartbeat",
            "reconcile.resyncInterval");
    private static final Set<String> NUMBERS = Set.of("logs.batchLines", "logs.linesPerSecond", "logging.maxFile");
    private static final Set<String> FLAGS = Set.of("policy.privileged", "policy.hostNamespaces", "policy.devices",
            "policy.unconfined", "policy.sysctls");
    private static final Set<String> LISTS = Set.of("policy.bindPaths", "policy.registries", "policy.capabilities",
            "logging.maxSize");
    private static final Set<String> TEXT = Set.of("description", "platform", "jvm.flags");

    static List<String> boards() {
        return BOARDS;
    }

    @Test
    void theListHoldsExactlyTheBoards() {
        assertEquals(new TreeSet<>(BOARDS), new TreeSet<>(DeviceProfile.known()));
    }

    @ParameterizedTest
    @MethodSource("boards")
    void loadsWithEveryKeyParsed(String name) throws ConfigException {
        DeviceProfile p = DeviceProfile.load(name);
        Set<String> all = new TreeSet<>();
        List.of(SIZES, DURATIONS, NUMBERS, FLAGS, LISTS, TEXT).forEach(all::addAll);
        assertEquals(all, new TreeSet<>(p.settings().keySet()), name + ": the documented keys, no more, no less");
        SIZES.forEach(k -> assertTrue(p.bytes(k) > 0, name + " " + k));
        DURATIONS.forEach(k -> assertTrue(p.duration(k).toMillis() > 0, name + " " + k));
        NUMBERS.forEach(k -> assertTrue(p.number(k) > 0, name + " " + k));
        FLAGS.forEach(k -> assertTrue(Set.of("true", "false").contains(p.setting(k)), name + " " + k));
        assertTrue(p.setting("logging.maxSize").matches("\\d+m"), name + ": container logs keep at least 1 MiB");
        if (name.equals("generic")) {
            assertNull(p.platform());
        } else {
            assertNotNull(p.platform(), name);
            assertTrue(p.platform().matches("linux/(amd64|arm64|arm/v7)"), name + ": " + p.platform());
        }
    }

    /**
     * A profile is permissive (the generic ones) or strict (boards) as a whole: one that refuses
     * {@code privileged} but lets {@code cap_add: [ALL]}, {@code /:/host}, the host's namespaces or
     * an unconfined container through refuses nothing (issue 15).
     */
    @ParameterizedTest
    @MethodSource("boards")
    void aProfileIsCoherentlyPermissiveOrStrict(String name) throws Exception {
        io.berth.spec.DevicePolicy policy = ConfigLoader.load(null, java.util.Map.of("BERTH_DEVICE_ID", "d1",
                "BERTH_PROFILE", name)).policy();
        String attack = """
                {"revision": 1, "services": {"web": {"image": "busybox", "privileged": true, "cap_add": ["ALL"],
                  "volumes": ["/:/host", "root:/root2"], "pid": "host", "ipc": "host", "network_mode": "host",
                  "security_opt": ["seccomp=unconfined"], "sysctls": {"net.core.somaxconn": "1024"},
                  "devices": ["/dev/sda"]}},
                 "volumes": {"root": {"driver_opts": {"type": "none", "o": "bind", "device": "/"}}}}""";
        var state = io.berth.spec.SpecFixtures.desired(attack);
        var errors = policy.check(state, new com.fasterxml.jackson.databind.ObjectMapper().readTree(attack),
                io.berth.store.HostFiles.files(Path.of("/var/lib/berth/data")));
        if (name.startsWith("generic")) {
            assertEquals(List.of(), errors, name + " is the permissive fallback");
            return;
        }
        assertEquals(List.of("services.web.privileged", "services.web.network_mode", "services.web.pid",
                "services.web.ipc", "services.web.devices", "services.web.cap_add", "services.web.security_opt",
                "services.web.sysctls", "services.web.volumes[0]", "services.web.volumes[1]"),
                errors.stream().map(io.berth.spec.SpecError::path).toList(), name + " is strict as a whole");
    }

    @Test
    void theOldPolicyKeysStillLoosenAStrictBoard() throws Exception {
        var loose = ConfigLoader.load(null, java.util.Map.of("BERTH_DEVICE_ID", "d1", "BERTH_PROFILE",
                "raspberry-pi-4", "BERTH_POLICY_HOST_NETWORK", "true", "BERTH_POLICY_CAP_ADD", "true")).policy();
        assertTrue(loose.hostNamespaces(), "policy.hostNetwork, the old name, from the environment wins over the "
                + "profile's policy.hostNamespaces");
        assertNull(loose.capabilities(), "policy.capAdd=true: any capability");
        var strict = ConfigLoader.load(null, java.util.Map.of("BERTH_DEVICE_ID", "d1", "BERTH_PROFILE",
                "generic", "BERTH_POLICY_CAP_ADD", "false", "BERTH_POLICY_HOST_NETWORK", "false")).policy();
        assertEquals(Set.of(), strict.capabilities());
        assertTrue(!strict.hostNamespaces());
        var both = ConfigLoader.load(null, java.util.Map.of("BERTH_DEVICE_ID", "d1", "BERTH_PROFILE",
                "generic", "BERTH_POLICY_CAPABILITIES", "SYS_TIME", "BERTH_POLICY_CAP_ADD", "true")).policy();
        assertEquals(Set.of("SYS_TIME"), both.capabilities(), "within one source the new key wins");
    }

    @ParameterizedTest
    @MethodSource("boards")
    void jvmFlagsFitTheBoardsMemory(String name) throws ConfigException {
        DeviceProfile p = DeviceProfile.load(name);
        String flags = p.setting("jvm.flags");
        Matcher xmx = Pattern.compile("-Xmx(\\d+)m").matcher(flags);
        assertTrue(xmx.find(), name + ": -Xmx is set");
        long heapMiB = Long.parseLong(xmx.group(1));
        assertTrue(heapMiB <= 48, name + ": heap at most 48 MiB");
        assertTrue(heapMiB * 16 <= p.bytes("memory") >> 20, name + ": heap is at most 1/16 of the board's RAM");
        assertTrue(flags.contains("-XX:+UseSerialGC") && flags.contains("-XX:MaxMetaspaceSize="), name);
        assertTrue(flags.contains("-XX:-UsePerfData"), name + ": no hsperfdata file, so no flash writes when idle");
        assertTrue(List.of(flags.split("\\s+")).contains("-XX:+ExitOnOutOfMemoryError"),
                name + ": an OutOfMemoryError in any thread ends the agent, and systemd starts it again");
        assertTrue(p.bytes("logs.bufferBytes") <= p.bytes("memory") / 256, name + ": the log buffer is small");
        long high = p.bytes("service.memoryHigh") >> 20;
        assertTrue(high >= heapMiB + 64 && high < p.bytes("service.memoryMax") >> 20,
                name + ": the unit's MemoryHigh leaves the JVM 64 MiB beyond its heap and stays under MemoryMax");
        assertTrue(p.setting("service.memoryMax").matches("\\d+MiB"), name + ": the package's postinst reads MiB");
    }

    @Test
    void everyKeyIsDocumented() throws Exception {
        Path doc = Path.of("..", "docs", "devices.md");
        String text = Files.readString(doc);
        for (String key : DeviceProfile.load("generic").settings().keySet()) {
            assertTrue(text.contains("`" + key + "`"), "docs/devices.md documents `" + key + "`");
        }
    }

    @Test
    void sizesParse() {
        assertEquals(512L << 10, DeviceProfile.parseBytes("512KiB"));
        assertEquals(3L << 30, DeviceProfile.parseBytes("3GiB"));
        assertEquals(42L, DeviceProfile.parseBytes("42"));
        assertNull(DeviceProfile.parseBytes("5m"));
        DeviceProfile p = new DeviceProfile("t", java.util.Map.of("x", "5m"));
        assertThrows(IllegalArgumentException.class, () -> p.bytes("x"));
        assertThrows(IllegalArgumentException.class, () -> p.setting("missing"));
    }
}
