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
    private static final Set<String> FLAGS = Set.of("policy.privileged", "policy.hostNetwork", "policy.devices");
    private static final Set<String> LISTS = Set.of("policy.bindPaths", "policy.registries", "logging.maxSize");
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
