package io.berth.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.Durations;
import io.berth.model.Secret;
import io.berth.spec.DocumentReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Merges the device profile, the config file (YAML or JSON, nested or dotted keys) and the
 * environment, in that order: the environment wins. Every key {@code a.bKey} has the
 * environment variable {@code BERTH_A_B_KEY}.
 */
public final class ConfigLoader {

    /** The keys the agent knows, with their defaults (null = required or optional without default). */
    static final Map<String, String> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("deviceId", null);
        KEYS.put("mqtt.url", "tcp://127.0.0.1:1883");
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
        KEYS.put("reconcile.resyncInterval", "60s");
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
        Map<String, String> fromFile = file == null ? Map.of() : readFile(file);
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
        String mqttUrl = pick("mqtt.url", fromFile, env, profileDefaults);
        if (!mqttUrl.startsWith("tcp://") && !mqttUrl.startsWith("ssl://")) {
            throw new ConfigException("mqtt.url '" + mqttUrl + "' must start with tcp:// or ssl://");
        }
        String password = pick("mqtt.password", fromFile, env, profileDefaults);
        return new AgentConfig(deviceId, mqttUrl, pick("mqtt.username", fromFile, env, profileDefaults),
                password == null ? null : new Secret(password),
                Path.of(pick("stateDir", fromFile, env, profileDefaults)),
                pick("docker.host", fromFile, env, profileDefaults), profile,
                Path.of(pick("socket", fromFile, env, profileDefaults)), prefix,
                duration("report.minInterval", fromFile, env, profileDefaults),
                duration("report.heartbeat", fromFile, env, profileDefaults),
                duration("reconcile.resyncInterval", fromFile, env, profileDefaults));
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

    private static Duration duration(String key, Map<String, String> file, Map<String, String> env,
                                     Map<String, String> profile) throws ConfigException {
        String text = pick(key, file, env, profile);
        Duration d = Durations.parse(text);
        if (d == null || d.isNegative() || d.isZero()) {
            throw new ConfigException(key + " '" + text + "' is not a duration: write it like 500ms, 10s, 5m or 1m30s");
        }
        return d;
    }

    private static Map<String, String> readFile(Path file) throws ConfigException {
        if (!Files.isReadable(file)) {
            throw new ConfigException("cannot read the config file " + file
                    + (Files.exists(file) ? ": permission denied" : ": no such file"));
        }
        JsonNode tree;
        try {
            tree = DocumentReader.readFile(file);
        } catch (IOException e) {
            throw new ConfigException("cannot read the config file " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> flat = new TreeMap<>();
        if (tree == null || tree.isNull()) {
            return flat;
        }
        if (!tree.isObject()) {
            throw new ConfigException("the config file " + file + " must hold a map of keys");
        }
        List<String> unknown = new ArrayList<>();
        flatten("", tree, flat);
        for (String key : flat.keySet()) {
            if (!KEYS.containsKey(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException("the config file " + file + " has unknown keys " + unknown + "; known keys: "
                    + String.join(", ", KEYS.keySet()));
        }
        return flat;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(),
                    e.getValue(), out));
        } else if (!node.isNull()) {
            out.put(prefix, node.asText());
        }
    }
}
