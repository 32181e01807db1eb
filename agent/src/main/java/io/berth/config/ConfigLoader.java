package io.berth.config;

import io.berth.model.DeviceLabels;
import io.berth.model.Durations;
import io.berth.model.Secret;
import io.berth.model.ServiceOptions;
import io.berth.spec.DevicePolicy;
import io.berth.spec.Signatures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Merges the device profile, the config file (YAML or JSON, nested or dotted keys), the files
 * {@code config.d/*.yaml} beside it in name order, and the environment, in that order: the
 * environment wins ({@link ConfigFiles} reads the files). Every key {@code a.bKey} has the environment
 * variable {@code BERTH_A_B_KEY}.
 */
public final class ConfigLoader {

    /** The keys the agent knows, with their defaults (null = required or optional without default). */
    static final Map<String, String> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("deviceId", null);
        KEYS.put("mqtt.url", "tcp://127.0.0.1:1883"); // or a comma-separated list: the nodes of a cluster
        KEYS.put("mqtt.version", "auto"); // 5, 3.1.1, or auto: 5, falling back to 3.1.1 when the broker refuses it
        KEYS.put("mqtt.username", null);
        KEYS.put("mqtt.password", null);
        // written by berth-enroll for brokers that want mutual TLS (PEM files)
        KEYS.put("mqtt.tls.caFile", null);
        KEYS.put("mqtt.tls.certFile", null);
        KEYS.put("mqtt.tls.keyFile", null);
        KEYS.put("stateDir", "/var/lib/berth");
        KEYS.put("docker.host", "unix:///var/run/docker.sock");
        KEYS.put("profile", DeviceProfile.AUTO);
        KEYS.put("socket", "/run/berth/berth.sock");
        KEYS.put("topicPrefix", "berth");
        KEYS.put("report.minInterval", "1s");
        KEYS.put("report.heartbeat", "5m");
        KEYS.put("report.memChangeBytes", "67108864");
        KEYS.put("report.diskChangeBytes", "268435456");
        KEYS.put("reconcile.resyncInterval", "60s");
        KEYS.put("logs.batchLines", "200");
        KEYS.put("logs.batchBytes", "32768");
        KEYS.put("logs.lineBytes", "4096");
        KEYS.put("logs.bufferBytes", "1048576");
        KEYS.put("logs.linesPerSecond", "1000");
        KEYS.put("logs.bytesPerSecond", "262144");
        KEYS.put("logs.qos", "0");
        KEYS.put("dataRoot", null); // default {stateDir}/data
        KEYS.put("policy.privileged", "true");
        KEYS.put("policy.hostNamespaces", null); // default: policy.hostNetwork, its old name
        KEYS.put("policy.hostNetwork", "true");
        KEYS.put("policy.devices", "true");
        KEYS.put("policy.capabilities", null); // allow-list for cap_add, '*' = any; default: policy.capAdd
        KEYS.put("policy.capAdd", "true");
        KEYS.put("policy.unconfined", "true");
        KEYS.put("policy.sysctls", "true");
        KEYS.put("policy.bindPaths", ""); // comma-separated host path prefixes; empty = any
        KEYS.put("policy.registries", ""); // comma-separated registry hosts; empty = any
        KEYS.put("logging.maxSize", "10m"); // json-file max-size for services without 'logging'; empty = none
        KEYS.put("logging.maxFile", "3");
        KEYS.put("trustedKeys", ""); // comma-separated KEY_ID=BASE64 Ed25519 public keys; empty = unsigned allowed
        // free space that must remain on the engine's data root after a pull (image size where known + this)
        KEYS.put("disk.pullFloor", "1GiB");
        // the device's labels (PROTOCOL.md §10): a map in the file, k=v,k=v in BERTH_LABELS; kept whole, not flattened
        KEYS.put("labels", "");
        // the Compose project name of documents without 'name': their default network is {project}_default
        KEYS.put("project", "berth");
    }

    private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");
    private static final Pattern TOPIC_PREFIX = Pattern.compile("[^#+/\\s][^#+\\s]*");

    private ConfigLoader() {}

    /** The environment variable for a config key: {@code report.minInterval} → {@code BERTH_REPORT_MIN_INTERVAL}. */
    public static String envName(String key) {
        return "BERTH_" + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase();
    }

    public static AgentConfig load(Path file, Map<String, String> env) throws ConfigException {
        return load(file, env, ProfileDetector.Host::read);
    }

    /** As {@link #load(Path, Map)}, with the facts a profile is detected from (when none is configured). */
    public static AgentConfig load(Path file, Map<String, String> env, Supplier<ProfileDetector.Host> host)
            throws ConfigException {
        Map<String, String> fromFile = file == null ? Map.of() : ConfigFiles.read(file, KEYS.keySet());
        String profileName = pick("profile", fromFile, env, Map.of());
        DeviceProfile profile;
        if (DeviceProfile.AUTO.equals(profileName)) {
            ProfileDetector.Detection detection = ProfileDetector.detect(host.get());
            profile = DeviceProfile.load(detection.profile()).withChosenBy("detected from " + detection.reason());
        } else {
            profile = DeviceProfile.load(profileName);
        }
        Map<String, String> profileDefaults = profile.settings();

        String deviceId = pick("deviceId", fromFile, env, profileDefaults);
        if (deviceId == null || deviceId.isBlank()) {
            throw new ConfigException("no device id: set " + envName("deviceId") + " or 'deviceId' in the config file"
                    + (file == null ? " (berth agent --config FILE)" : " " + file));
        }
        if (!DEVICE_ID.matcher(deviceId).matches()) {
            throw new ConfigException("device id '" + deviceId + "' cannot be used in MQTT topics: use letters, "
                    + "digits, '_', '.', ':' and '-' (at most 128)");
        }
        String prefix = pick("topicPrefix", fromFile, env, profileDefaults);
        if (!TOPIC_PREFIX.matcher(prefix).matches() || prefix.endsWith("/")) {
            throw new ConfigException("topic prefix '" + prefix + "' is not a valid MQTT topic prefix: no '#', '+', "
                    + "spaces, or leading/trailing '/'");
        }
        String mqttUrl = mqttUrls(pick("mqtt.url", fromFile, env, profileDefaults));
        String mqttVersion = pick("mqtt.version", fromFile, env, profileDefaults);
        if (!List.of("auto", "5", "3.1.1").contains(mqttVersion)) {
            throw new ConfigException("mqtt.version '" + mqttVersion + "' must be 5, 3.1.1 or auto (MQTT 5, falling "
                    + "back to 3.1.1 when the broker refuses it)");
        }
        String password = pick("mqtt.password", fromFile, env, profileDefaults);
        return new AgentConfig(deviceId, mqttUrl, mqttVersion, pick("mqtt.username", fromFile, env, profileDefaults),
                password == null ? null : new Secret(password),
                path("mqtt.tls.caFile", fromFile, env, profileDefaults),
                path("mqtt.tls.certFile", fromFile, env, profileDefaults),
                path("mqtt.tls.keyFile", fromFile, env, profileDefaults),
                Path.of(pick("stateDir", fromFile, env, profileDefaults)),
                dockerHost(pick("docker.host", fromFile, env, profileDefaults)), profile,
                Path.of(pick("socket", fromFile, env, profileDefaults)), prefix,
                duration("report.minInterval", fromFile, env, profileDefaults),
                duration("report.heartbeat", fromFile, env, profileDefaults),
                number("report.memChangeBytes", 0, Long.MAX_VALUE, fromFile, env, profileDefaults),
                number("report.diskChangeBytes", 0, Long.MAX_VALUE, fromFile, env, profileDefaults),
                duration("reconcile.resyncInterval", fromFile, env, profileDefaults),
                new LogSettings(
                        (int) number("logs.batchLines", 1, 10_000, fromFile, env, profileDefaults),
                        (int) number("logs.batchBytes", 256, 256 * 1024, fromFile, env, profileDefaults),
                        (int) number("logs.lineBytes", 80, 64 * 1024, fromFile, env, profileDefaults),
                        number("logs.bufferBytes", 4096, 1L << 30, fromFile, env, profileDefaults),
                        (int) number("logs.linesPerSecond", 1, 1_000_000, fromFile, env, profileDefaults),
                        number("logs.bytesPerSecond", 1024, 1L << 30, fromFile, env, profileDefaults),
                        (int) number("logs.qos", 0, 1, fromFile, env, profileDefaults)),
                dataRoot(pick("dataRoot", fromFile, env, profileDefaults)),
                policy(fromFile, env, profileDefaults), trustedKeys(pick("trustedKeys", fromFile, env, profileDefaults)),
                logging(pick("logging.maxSize", fromFile, env, profileDefaults),
                        pick("logging.maxFile", fromFile, env, profileDefaults)),
                number("disk.pullFloor", 0, Long.MAX_VALUE / 4, fromFile, env, profileDefaults),
                labels(pick("labels", fromFile, env, profileDefaults), env),
                project(pick("project", fromFile, env, profileDefaults)));
    }

    private static Map<String, String> labels(String value, Map<String, String> env) throws ConfigException {
        try {
            return DeviceLabels.parse(value);
        } catch (IllegalArgumentException e) {
            String from = env.get(envName("labels")) != null && !env.get(envName("labels")).isEmpty()
                    ? envName("labels") : "labels in the config file";
            throw new ConfigException("device labels (" + from + "): " + e.getMessage(), e);
        }
    }

    /** One broker URL or a comma-separated list, all tcp:// or all ssl:// (one TLS setting serves them all). */
    static String mqttUrls(String value) throws ConfigException {
        List<String> urls = list(value);
        if (urls.isEmpty()) {
            throw new ConfigException("mqtt.url is empty: give the broker, e.g. tcp://127.0.0.1:1883, or several "
                    + "separated by commas");
        }
        for (String url : urls) {
            if (!url.startsWith("tcp://") && !url.startsWith("ssl://")) {
                throw new ConfigException("mqtt.url '" + url + "' must start with tcp:// or ssl://");
            }
            if (!url.regionMatches(0, urls.get(0), 0, 6)) {
                throw new ConfigException("mqtt.url mixes tcp:// and ssl:// (" + value + "): the brokers of one "
                        + "list share one TLS setting; use ssl:// for all of them or for none");
            }
        }
        return String.join(",", urls);
    }

    /** The engine: {@code unix:///path} or a plain {@code tcp://host:port} (Berth does not speak TLS to it). */
    static String dockerHost(String given) throws ConfigException {
        String value = given.trim();
        java.net.URI uri;
        try {
            uri = java.net.URI.create(value);
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        // exactly what the engine client takes: unix:// and an absolute path, or tcp:// with a host and a port
        // unix://: the socket is the URI's path, as the engine client and the CLI's engine checks
        // read it (unix://var/run/docker.sock is /run/docker.sock: "var" is a host name there)
        boolean unix = uri != null && value.startsWith("unix://") && uri.getPath() != null
                && uri.getPath().length() > 1;
        if (unix) {
            value = "unix://" + uri.getPath();
        }
        boolean tcp = uri != null && value.startsWith("tcp://") && uri.getHost() != null && uri.getPort() > 0
                && uri.getPort() <= 65535;
        if (!unix && !tcp) {
            throw new ConfigException("docker.host '" + given + "' is not an engine Berth can use: give "
                    + "unix:///var/run/docker.sock (the default) or tcp://host:port for an engine that listens "
                    + "without TLS");
        }
        return value;
    }

    private static String project(String value) throws ConfigException {
        if (!value.matches("[a-z0-9][a-z0-9_-]*")) {
            throw new ConfigException("project '" + value + "' must be a Compose project name: lower-case letters, "
                    + "digits, '_' and '-'");
        }
        return value;
    }

    private static String pick(String key, Map<String, String> file, Map<String, String> env,
                               Map<String, String> profile) {
        String fromEnv = env.get(envName(key));
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return fromEnv;
        }
        if (file.containsKey(key)) {
            return file.get(key);
        }
        return profile.getOrDefault(key, KEYS.get(key));
    }

    private static long number(String key, long min, long max, Map<String, String> file, Map<String, String> env,
                               Map<String, String> profile) throws ConfigException {
        String text = pick(key, file, env, profile);
        try {
            // sizes may carry a binary unit, as the device profiles write them: 16KiB, 1MiB, 2GiB
            String t = text.strip();
            long unit = 1;
            for (String[] suffix : new String[][] {{"KiB", "1024"}, {"MiB", "1048576"}, {"GiB", "1073741824"}}) {
                if (t.endsWith(suffix[0])) {
                    unit = Long.parseLong(suffix[1]);
                    t = t.substring(0, t.length() - suffix[0].length()).strip();
                }
            }
            long value = Math.multiplyExact(Long.parseLong(t), unit);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // below
        }
        throw new ConfigException(key + " '" + text + "' must be a whole number from " + min + " to " + max
                + " (a size may end in KiB, MiB or GiB; set it in the config file or " + envName(key) + ")");
    }

    private static Path path(String key, Map<String, String> file, Map<String, String> env,
                             Map<String, String> profile) {
        String text = pick(key, file, env, profile);
        return text == null || text.isBlank() ? null : Path.of(text);
    }

    private static Duration duration(String key, Map<String, String> file, Map<String, String> env,
                                     Map<String, String> profile) throws ConfigException {
        String text = pick(key, file, env, profile);
        Duration d = Durations.parse(text);
        if (d == null || d.isNegative() || d.isZero()) {
            throw new ConfigException(key + " '" + text + "' is not a duration: write it like 500ms, 10s, 5m or 1m30s");
        }
        return d;
    }

    private static DevicePolicy policy(Map<String, String> file, Map<String, String> env,
                                       Map<String, String> profile) throws ConfigException {
        // a new key and its old name (alias): the nearer source wins (environment, file, profile), and
        // within one source the new key; so a config that loosens with the old name still loosens
        String[] hostNamespaces = aliased("policy.hostNamespaces", "policy.hostNetwork", file, env, profile);
        boolean host = flag(hostNamespaces[0], Map.of(hostNamespaces[0], hostNamespaces[1]), Map.of(), Map.of());
        String[] capabilities = aliased("policy.capabilities", "policy.capAdd", file, env, profile);
        java.util.Set<String> allowed;
        if (capabilities[0].equals("policy.capAdd")) {
            allowed = flag("policy.capAdd", Map.of("policy.capAdd", capabilities[1]), Map.of(), Map.of()) ? null
                    : java.util.Set.of();
        } else {
            allowed = capabilities[1].strip().equals("*") ? null : new java.util.TreeSet<>(list(capabilities[1]));
        }
        return new DevicePolicy(flag("policy.privileged", file, env, profile), host,
                flag("policy.devices", file, env, profile), allowed, flag("policy.unconfined", file, env, profile),
                flag("policy.sysctls", file, env, profile), list(pick("policy.bindPaths", file, env, profile)),
                list(pick("policy.registries", file, env, profile)));
    }

    /** {key, value} of whichever of a key and its old name the nearest source sets (the default of the old one). */
    private static String[] aliased(String key, String alias, Map<String, String> file, Map<String, String> env,
                                    Map<String, String> profile) {
        List<Map<String, String>> sources = List.of(env, file, profile);
        for (int i = 0; i < sources.size(); i++) {
            for (String k : List.of(key, alias)) {
                String value = i == 0 ? env.get(envName(k)) : sources.get(i).get(k);
                if (value != null && !(i == 0 && value.isEmpty())) {
                    return new String[] {k, value};
                }
            }
        }
        return new String[] {alias, KEYS.get(alias)};
    }

    private static boolean flag(String key, Map<String, String> file, Map<String, String> env,
                                Map<String, String> profile) throws ConfigException {
        String value = pick(key, file, env, profile);
        if (!"true".equals(value) && !"false".equals(value)) {
            throw new ConfigException(key + " '" + value + "' must be true or false");
        }
        return Boolean.parseBoolean(value);
    }

    private static ServiceOptions.Logging logging(String maxSize, String maxFile) throws ConfigException {
        if (maxSize == null || maxSize.isBlank()) {
            return null;
        }
        if (!maxSize.matches("\\d+[kmg]?")) {
            throw new ConfigException("logging.maxSize '" + maxSize + "' must be a size such as 10m (the engine's "
                    + "json-file max-size), or empty for no limit");
        }
        if (maxFile == null || !maxFile.matches("[1-9]\\d{0,2}")) {
            throw new ConfigException("logging.maxFile '" + maxFile + "' must be a number of files from 1 to 999");
        }
        return new ServiceOptions.Logging("json-file", new java.util.TreeMap<>(Map.of("max-size", maxSize,
                "max-file", maxFile)));
    }

    private static List<String> list(String value) {
        return value == null || value.isBlank() ? List.of()
                : java.util.Arrays.stream(value.split(",")).map(String::strip).filter(v -> !v.isEmpty()).toList();
    }

    private static Map<String, java.security.PublicKey> trustedKeys(String value) throws ConfigException {
        try {
            return Signatures.parseTrustedKeys(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private static Path dataRoot(String value) throws ConfigException {
        if (value == null || value.isBlank()) {
            return null;
        }
        if (!Path.of(value).isAbsolute()) {
            throw new ConfigException("dataRoot '" + value + "' must be an absolute path");
        }
        return Path.of(value);
    }
}
