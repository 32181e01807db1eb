package io.berth.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PROTOCOL.md §1: a YAML or JSON config file, every key also from the environment, which wins. */
class ConfigLoaderTest {

    @TempDir
    Path dir;

    private static final Map<String, String> DEVICE = Map.of("BERTH_DEVICE_ID", "pi-0042");
    /** A host nothing can be detected on: the profile falls back to 'generic'. */
    private static final ProfileDetector.Host UNKNOWN_HOST = new ProfileDetector.Host(null, null, "sparc64");
    private static final ProfileDetector.Host PI4 = new ProfileDetector.Host("Raspberry Pi 4 Model B Rev 1.4", null,
            "aarch64");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "deviceId,                 BERTH_DEVICE_ID",
            "mqtt.url,                 BERTH_MQTT_URL",
            "mqtt.username,            BERTH_MQTT_USERNAME",
            "mqtt.password,            BERTH_MQTT_PASSWORD",
            "stateDir,                 BERTH_STATE_DIR",
            "docker.host,              BERTH_DOCKER_HOST",
            "profile,                  BERTH_PROFILE",
            "socket,                   BERTH_SOCKET",
            "topicPrefix,              BERTH_TOPIC_PREFIX",
            "report.minInterval,       BERTH_REPORT_MIN_INTERVAL",
            "report.heartbeat,         BERTH_REPORT_HEARTBEAT",
            "reconcile.resyncInterval, BERTH_RECONCILE_RESYNC_INTERVAL",
            "disk.pullFloor,           BERTH_DISK_PULL_FLOOR"})
    void envName(String key, String env) {
        assertEquals(env, ConfigLoader.envName(key));
        assertTrue(ConfigLoader.KEYS.containsKey(key), key + " is a known key");
    }

    @Test
    void everyKnownKeyHasItsOwnEnvironmentVariable() {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String key : ConfigLoader.KEYS.keySet()) {
            String env = ConfigLoader.envName(key);
            assertTrue(env.matches("BERTH_[A-Z0-9]+(_[A-Z0-9]+)*"), key + " -> " + env);
            assertTrue(names.add(env), "two keys share " + env);
        }
    }

    @Test
    void defaultsWithOnlyTheDeviceId() throws ConfigException {
        AgentConfig config = ConfigLoader.load(null, DEVICE, () -> UNKNOWN_HOST);
        assertEquals("pi-0042", config.deviceId());
        assertEquals("tcp://127.0.0.1:1883", config.mqttUrl());
        assertNull(config.mqttUsername());
        assertNull(config.mqttPassword());
        assertEquals(Path.of("/var/lib/berth"), config.stateDir());
        assertEquals("unix:///var/run/docker.sock", config.dockerHost());
        assertEquals(Path.of("/run/berth/berth.sock"), config.socket());
        assertEquals("berth", config.topicPrefix());
        assertEquals("generic", config.profile().name());
        assertEquals(Duration.ofSeconds(1), config.reportMinInterval());
        assertEquals(Duration.ofMinutes(5), config.reportHeartbeat());
        assertEquals(Duration.ofSeconds(60), config.resyncInterval());
    }

    @Test
    void theDiskFloorOfPullsComesFromTheProfileUnlessTheEnvironmentSaysOtherwise() throws ConfigException {
        java.util.Map<String, String> env = new java.util.HashMap<>(DEVICE);
        env.put("BERTH_PROFILE", "raspberry-pi-zero-2w");
        assertEquals(256L << 20, ConfigLoader.load(null, env, () -> UNKNOWN_HOST).diskPullFloor());
        env.put("BERTH_DISK_PULL_FLOOR", "64MiB");
        assertEquals(64L << 20, ConfigLoader.load(null, env, () -> UNKNOWN_HOST).diskPullFloor());
        env.put("BERTH_DISK_PULL_FLOOR", "lots");
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, env, () -> UNKNOWN_HOST));
        assertTrue(e.getMessage().contains("disk.pullFloor 'lots'"), e.getMessage());
    }

    @Test
    void theEnvironmentWinsOverTheFile() throws Exception {
        Path file = write("berth.yaml", """
                deviceId: from-file
                mqtt:
                  url: tcp://file:1883
                topicPrefix: fleet
                report:
                  minInterval: 2s
                """);
        AgentConfig config = ConfigLoader.load(file, Map.of("BERTH_DEVICE_ID", "from-env",
                "BERTH_REPORT_MIN_INTERVAL", "250ms"));
        assertEquals("from-env", config.deviceId());
        assertEquals(Duration.ofMillis(250), config.reportMinInterval());
        assertEquals("tcp://file:1883", config.mqttUrl(), "the file wins over the default");
        assertEquals("fleet", config.topicPrefix());
    }

    @Test
    void filesInConfigDBesideTheFileAreMergedInNameOrder() throws Exception {
        Path file = write("config.yaml", "deviceId: from-file\ntopicPrefix: base\nmqtt:\n  url: tcp://file:1883\n");
        Files.createDirectories(dir.resolve("config.d"));
        write("config.d/20-site.yaml", "topicPrefix: site\nmqtt.url: tcp://site:1883\n");
        write("config.d/10-enroll.yaml", "deviceId: enrolled\ntopicPrefix: enroll\n");
        write("config.d/30-notes.txt", "not: a config file\n");
        AgentConfig config = ConfigLoader.load(file, Map.of("BERTH_MQTT_URL", "tcp://env:1883"));
        assertEquals("enrolled", config.deviceId(), "a drop-in wins over the file");
        assertEquals("site", config.topicPrefix(), "20-site.yaml comes after 10-enroll.yaml");
        assertEquals("tcp://env:1883", config.mqttUrl(), "the environment still wins");
        write("config.d/40-typo.yaml", "mqtt.ur1: tcp://typo:1883\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of()));
        assertTrue(e.getMessage().contains("40-typo.yaml") && e.getMessage().contains("mqtt.ur1"), e.getMessage());
    }

    @Test
    void anEmptyEnvironmentVariableDoesNotOverride() throws Exception {
        Path file = write("berth.yaml", "deviceId: from-file\n");
        assertEquals("from-file", ConfigLoader.load(file, Map.of("BERTH_DEVICE_ID", "")).deviceId());
    }

    @Test
    void nestedAndDottedKeysMeanTheSame() throws Exception {
        Path nested = write("nested.yaml", """
                deviceId: dev-1
                mqtt:
                  url: ssl://broker.example.com:8883
                  username: agent
                  password: s3cret
                docker:
                  host: unix:///run/podman/podman.sock
                report:
                  minInterval: 500ms
                  heartbeat: 1m30s
                reconcile:
                  resyncInterval: 2m
                """);
        Path dotted = write("dotted.yaml", """
                deviceId: dev-1
                mqtt.url: ssl://broker.example.com:8883
                mqtt.username: agent
                mqtt.password: s3cret
                docker.host: unix:///run/podman/podman.sock
                report.minInterval: 500ms
                report.heartbeat: 1m30s
                reconcile.resyncInterval: 2m
                """);
        AgentConfig a = ConfigLoader.load(nested, Map.of());
        AgentConfig b = ConfigLoader.load(dotted, Map.of());
        assertEquals(a, b);
        assertEquals("ssl://broker.example.com:8883", a.mqttUrl());
        assertEquals("agent", a.mqttUsername());
        assertEquals("s3cret", a.mqttPassword().reveal());
        assertEquals("unix:///run/podman/podman.sock", a.dockerHost());
        assertEquals(Duration.ofMillis(500), a.reportMinInterval());
        assertEquals(Duration.ofSeconds(90), a.reportHeartbeat());
        assertEquals(Duration.ofMinutes(2), a.resyncInterval());
    }

    @Test
    void jsonConfigFiles() throws Exception {
        Path file = write("berth.json", """
                {"deviceId": "dev-2", "stateDir": "/data/berth", "socket": "/tmp/b.sock", "mqtt": {"url": "tcp://b:1"}}""");
        AgentConfig config = ConfigLoader.load(file, Map.of());
        assertEquals(Path.of("/data/berth"), config.stateDir());
        assertEquals(Path.of("/tmp/b.sock"), config.socket());
        assertEquals("tcp://b:1", config.mqttUrl());
    }

    @Test
    void theMqttPasswordNeverPrints() throws Exception {
        AgentConfig config = ConfigLoader.load(null, Map.of("BERTH_DEVICE_ID", "d", "BERTH_MQTT_PASSWORD",
                "hunter2-S3cr3t"));
        assertEquals("hunter2-S3cr3t", config.mqttPassword().reveal());
        assertFalse(config.toString().contains("hunter2"), config::toString);
    }

    @Test
    void aMissingDeviceIdNamesTheVariable() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of()));
        assertTrue(e.getMessage().contains("BERTH_DEVICE_ID"), e.getMessage());
        assertTrue(e.getMessage().contains("deviceId"), e.getMessage());
    }

    @Test
    void aMissingDeviceIdInAFileNamesTheFile() throws IOException {
        Path file = write("berth.yaml", "topicPrefix: fleet\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of()));
        assertTrue(e.getMessage().contains("BERTH_DEVICE_ID"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void aDeviceIdThatCannotBeATopicLevelIsRefused() {
        for (String id : new String[] {"pi/0042", "pi#1", "pi+1", "pi 1", "-pi"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ConfigLoader.load(null, Map.of("BERTH_DEVICE_ID", id)), id);
            assertTrue(e.getMessage().contains(id), e.getMessage());
        }
    }

    @Test
    void aMissingConfigFile() {
        Path file = dir.resolve("nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, DEVICE));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("no such file"),
                e.getMessage());
    }

    @Test
    void anUnreadableConfigFile() throws Exception {
        Path file = write("berth.yaml", "deviceId: x\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
        String message;
        if ("root".equals(System.getProperty("user.name"))) {
            // root reads any file: load it as user nobody, in a JVM of its own
            message = loadAsNobody(file);
        } else {
            message = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, DEVICE)).getMessage();
        }
        assertTrue(message.contains(file.toString()) && message.contains("permission denied"), message);
    }

    /** Runs {@link LoadAsAnotherUser} as nobody ({@code setpriv}, which also drops root's capabilities). */
    private String loadAsNobody(Path file) throws Exception {
        // nobody cannot read root's ~/.m2 nor this test's temporary dir: copy the class path where it can
        Path open = Files.createTempDirectory("berth-classpath");
        try {
            Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            List<String> classPath = new ArrayList<>();
            int i = 0;
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                Path from = Path.of(entry);
                if (Files.exists(from)) {
                    Path to = open.resolve(i++ + "-" + from.getFileName());
                    copyReadable(from, to);
                    classPath.add(to.toString());
                }
            }
            String javaBinary = ProcessHandle.current().info().command().orElse("java");
            Process child = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                    javaBinary, "-cp", String.join(File.pathSeparator, classPath),
                    LoadAsAnotherUser.class.getName(), file.toString())
                    .redirectErrorStream(true).start();
            String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM ends: " + out);
            assertEquals(0, child.exitValue(), "the load as nobody failed with a ConfigException: " + out);
            assertTrue(out.startsWith("uid=65534 "), "it ran as nobody: " + out);
            return out;
        } finally {
            try (Stream<Path> files = Files.walk(open)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void copyReadable(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                Files.copy(source, target);
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(
                        Files.isDirectory(source) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    /** The child JVM of {@link #anUnreadableConfigFile}: loads the file, prints who it ran as and the error. */
    static final class LoadAsAnotherUser {
        public static void main(String[] args) throws Exception {
            String uid = new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).strip();
            try {
                ConfigLoader.load(Path.of(args[0]), DEVICE, () -> UNKNOWN_HOST);
                System.out.println("uid=" + uid + " loaded " + args[0] + " without an error");
                System.exit(1);
            } catch (ConfigException e) {
                System.out.println("uid=" + uid + " " + e.getMessage());
            }
        }
    }

    @Test
    void aDirectoryIsNotAConfigFile() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir, DEVICE));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }

    @Test
    void aConfigFileThatIsNotYaml() throws IOException {
        Path file = write("berth.yaml", "deviceId: [unclosed\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, DEVICE));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void aConfigFileThatIsNotAMap() throws IOException {
        Path file = write("berth.yaml", "- deviceId\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, DEVICE));
        assertTrue(e.getMessage().contains("map"), e.getMessage());
    }

    @Test
    void anEmptyConfigFileMeansDefaults() throws Exception {
        Path file = write("berth.yaml", "");
        assertEquals("pi-0042", ConfigLoader.load(file, DEVICE).deviceId());
    }

    @Test
    void unknownKeysInTheFileAreListed() throws IOException {
        Path file = write("berth.yaml", """
                deviceId: x
                mqtt:
                  url: tcp://b:1883
                  port: 1883
                topicprefix: berth
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, DEVICE));
        assertTrue(e.getMessage().contains("mqtt.port"), e.getMessage());
        assertTrue(e.getMessage().contains("topicprefix"), e.getMessage());
        assertTrue(e.getMessage().contains("topicPrefix"), "the known keys are listed: " + e.getMessage());
        String unknownPart = e.getMessage().substring(0, e.getMessage().lastIndexOf("known keys"));
        assertFalse(unknownPart.contains("mqtt.url"), "a known key is not reported as unknown: " + e.getMessage());
    }

    @Test
    void withoutAProfileTheBoardIsDetected() throws ConfigException {
        AgentConfig config = ConfigLoader.load(null, DEVICE, () -> PI4);
        assertEquals("raspberry-pi-4", config.profile().name());
        assertEquals("linux/arm64", config.profile().platform());
        assertTrue(config.profile().chosenBy().contains("Raspberry Pi 4"), config.profile().chosenBy());
    }

    @Test
    void aConfiguredProfileWinsOverDetectionAndAutoDetects() throws Exception {
        Map<String, String> env = Map.of("BERTH_DEVICE_ID", "d", "BERTH_PROFILE", "generic-armv7");
        AgentConfig config = ConfigLoader.load(null, env, () -> PI4);
        assertEquals("generic-armv7", config.profile().name());
        assertEquals("configured", config.profile().chosenBy());
        assertEquals("linux/arm/v7", config.profile().platform());
        Path file = write("auto.yaml", "deviceId: d\nprofile: auto\n");
        assertEquals("raspberry-pi-4", ConfigLoader.load(file, Map.of(), () -> PI4).profile().name());
    }

    @Test
    void genericStaysAndPullsForTheEnginesOwnPlatform() throws ConfigException {
        AgentConfig config = ConfigLoader.load(null, Map.of("BERTH_DEVICE_ID", "d", "BERTH_PROFILE", "generic"),
                () -> PI4);
        assertEquals("generic", config.profile().name());
        assertNull(config.profile().platform());
    }

    @Test
    void anUnknownProfileListsTheKnownOnes() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(null, Map.of("BERTH_DEVICE_ID", "d", "BERTH_PROFILE", "toaster")));
        assertTrue(e.getMessage().contains("'toaster'"), e.getMessage());
        assertTrue(e.getMessage().contains("generic"), e.getMessage());
        assertTrue(DeviceProfile.known().contains("generic"));
    }

    @Test
    void theProfileComesFromTheFileToo() throws IOException {
        Path file = write("berth.yaml", "deviceId: d\nprofile: toaster\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of()));
        assertTrue(e.getMessage().contains("'toaster'"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"soon", "0s", "5 s", "1m30", "-1s", "1.5"})
    void aBadDurationNamesTheKeyAndTheValue(String text) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                Map.of("BERTH_DEVICE_ID", "d", "BERTH_REPORT_HEARTBEAT", text)));
        assertTrue(e.getMessage().contains("report.heartbeat"), e.getMessage());
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @Test
    void aBareNumberIsSeconds() throws ConfigException {
        assertEquals(Duration.ofSeconds(10), ConfigLoader.load(null, Map.of("BERTH_DEVICE_ID", "d",
                "BERTH_REPORT_HEARTBEAT", "10")).reportHeartbeat());
    }

    @Test
    void aBadMqttUrl() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                Map.of("BERTH_DEVICE_ID", "d", "BERTH_MQTT_URL", "mqtt://broker:1883")));
        assertTrue(e.getMessage().contains("mqtt://broker:1883") && e.getMessage().contains("tcp://"),
                e.getMessage());
    }

    @Test
    void aListOfBrokersIsKeptInOrderAndTheVersionDefaultsToAuto() throws ConfigException {
        AgentConfig config = ConfigLoader.load(null, Map.of("BERTH_DEVICE_ID", "d", "BERTH_MQTT_URL",
                " tcp://n1:1883 , tcp://n2:1883,tcp://n3:1883"));
        assertEquals(java.util.List.of("tcp://n1:1883", "tcp://n2:1883", "tcp://n3:1883"), config.mqttUrls());
        assertEquals("auto", config.mqttVersion());
        assertEquals("3.1.1", ConfigLoader.load(null, Map.of("BERTH_DEVICE_ID", "d", "BERTH_MQTT_VERSION", "3.1.1"))
                .mqttVersion());
    }

    @Test
    void aListThatMixesTlsAndPlainOrAnUnknownVersionIsRefused() {
        ConfigException mixed = assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                Map.of("BERTH_DEVICE_ID", "d", "BERTH_MQTT_URL", "ssl://a:8883,tcp://b:1883")));
        assertTrue(mixed.getMessage().contains("mixes tcp:// and ssl://"), mixed.getMessage());
        ConfigException bad = assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                Map.of("BERTH_DEVICE_ID", "d", "BERTH_MQTT_URL", "tcp://a:1883,mqtt://b")));
        assertTrue(bad.getMessage().contains("mqtt://b"), bad.getMessage());
        ConfigException version = assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                Map.of("BERTH_DEVICE_ID", "d", "BERTH_MQTT_VERSION", "3")));
        assertTrue(version.getMessage().contains("must be 5, 3.1.1 or auto"), version.getMessage());
    }

    @Test
    void theEngineIsAUnixSocketOrAPlainTcpAddress() throws ConfigException {
        assertEquals("unix:///var/run/docker.sock", ConfigLoader.load(null, Map.of("BERTH_DEVICE_ID", "d")).dockerHost());
        assertEquals("tcp://127.0.0.1:2375", ConfigLoader.load(null, Map.of("BERTH_DEVICE_ID", "d",
                "BERTH_DOCKER_HOST", "tcp://127.0.0.1:2375")).dockerHost());
        assertEquals("tcp://[::1]:2375", ConfigLoader.load(null, Map.of("BERTH_DEVICE_ID", "d",
                "BERTH_DOCKER_HOST", " tcp://[::1]:2375 ")).dockerHost());
        assertEquals("unix:///run/docker.sock", ConfigLoader.load(null, Map.of("BERTH_DEVICE_ID", "d",
                "BERTH_DOCKER_HOST", "unix://var/run/docker.sock")).dockerHost(), "the path, as it was always read");
        assertEquals("unix:///var/run/docker.sock", ConfigLoader.load(null, Map.of("BERTH_DEVICE_ID", "d",
                "BERTH_DOCKER_HOST", "unix://localhost/var/run/docker.sock")).dockerHost());
        for (String host : new String[] {"ssh://pi@board", "tcp://board", "/var/run/docker.sock",
                "unix:/var/run/docker.sock", "unix:///", "tcp://board:99999",
                "npipe:////./pipe/docker_engine"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                    Map.of("BERTH_DEVICE_ID", "d", "BERTH_DOCKER_HOST", host)), host);
            assertTrue(e.getMessage().startsWith("docker.host '" + host + "' is not an engine Berth can use"),
                    e.getMessage());
        }
    }

    @Test
    void aBadTopicPrefix() {
        for (String prefix : new String[] {"a/#", "+", "/berth", "berth/", "my fleet"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
                    Map.of("BERTH_DEVICE_ID", "d", "BERTH_TOPIC_PREFIX", prefix)), prefix);
            assertTrue(e.getMessage().contains(prefix), e.getMessage());
        }
    }

    @Test
    void aMultiLevelTopicPrefixIsFine() throws ConfigException {
        assertEquals("acme/berth", ConfigLoader.load(null, Map.of("BERTH_DEVICE_ID", "d",
                "BERTH_TOPIC_PREFIX", "acme/berth")).topicPrefix());
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
    }
}
