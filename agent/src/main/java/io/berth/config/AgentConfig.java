package io.berth.config;

import io.berth.model.Secret;
import io.berth.model.ServiceOptions;
import io.berth.spec.DevicePolicy;
import java.security.PublicKey;
import java.util.Map;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The agent's settings after the profile, the config file and the environment were merged.
 * {@code mqttUrl}: one broker URL or a comma-separated list of them (see {@link #mqttUrls()});
 * {@code mqttVersion}: {@code 5}, {@code 3.1.1} or {@code auto}.
 * {@code diskPullFloor}: bytes that must stay free on the engine's data root beside an image being pulled;
 * {@code labels}: the device's labels (PROTOCOL.md §10), valid, sorted by key.
 */
public record AgentConfig(String deviceId, String mqttUrl, String mqttVersion, String mqttUsername, Secret mqttPassword,
                          Path mqttCaFile, Path mqttCertFile, Path mqttKeyFile, Path stateDir, String dockerHost,
                          DeviceProfile profile, Path socket, String topicPrefix,
                          Duration reportMinInterval, Duration reportHeartbeat, long reportMemChangeBytes,
                          long reportDiskChangeBytes, Duration resyncInterval, LogSettings logs,
                          Path dataRoot, DevicePolicy policy, Map<String, PublicKey> trustedKeys,
                          ServiceOptions.Logging defaultLogging, long diskPullFloor, Map<String, String> labels,
                          String project) {

    public AgentConfig {
        mqttVersion = mqttVersion == null ? "auto" : mqttVersion;
        policy = policy == null ? DevicePolicy.PERMISSIVE : policy;
        trustedKeys = trustedKeys == null ? Map.of() : Map.copyOf(trustedKeys);
        labels = labels == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(labels));
        project = project == null ? "berth" : project;
        if (dataRoot == null && stateDir != null) {
            dataRoot = stateDir.resolve("data");
        }
    }

    /** The brokers of {@code mqtt.url}, in the order they are tried. */
    public java.util.List<String> mqttUrls() {
        return java.util.Arrays.stream(mqttUrl.split(",")).map(String::strip).filter(u -> !u.isEmpty()).toList();
    }
}
