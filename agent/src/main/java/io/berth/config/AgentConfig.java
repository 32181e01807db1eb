package io.berth.config;

import io.berth.model.Secret;
import io.berth.model.ServiceOptions;
import io.berth.spec.DevicePolicy;
import java.security.PublicKey;
import java.util.Map;
import java.nio.file.Path;
import java.time.Duration;

/** The agent's settings after the profile, the config file and the environment were merged. */
public record AgentConfig(String deviceId, String mqttUrl, String mqttUsername, Secret mqttPassword,
                          Path stateDir, String dockerHost, DeviceProfile profile, Path socket, String topicPrefix,
                          Duration reportMinInterval, Duration reportHeartbeat, Duration resyncInterval,
                          Path dataRoot, DevicePolicy policy, Map<String, PublicKey> trustedKeys,
                          ServiceOptions.Logging defaultLogging) {

    /** Without {@code dataRoot}: it defaults to {@code {stateDir}/data}. */
    public AgentConfig(String deviceId, String mqttUrl, String mqttUsername, Secret mqttPassword,
                       Path stateDir, String dockerHost, DeviceProfile profile, Path socket, String topicPrefix,
                       Duration reportMinInterval, Duration reportHeartbeat, Duration resyncInterval) {
        this(deviceId, mqttUrl, mqttUsername, mqttPassword, stateDir, dockerHost, profile, socket, topicPrefix,
                reportMinInterval, reportHeartbeat, resyncInterval, null, null, null, null);
    }

    public AgentConfig {
        policy = policy == null ? DevicePolicy.PERMISSIVE : policy;
        trustedKeys = trustedKeys == null ? Map.of() : Map.copyOf(trustedKeys);
        if (dataRoot == null && stateDir != null) {
            dataRoot = stateDir.resolve("data");
        }
    }
}
