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
 * {@code diskPullFloor}: bytes that must stay free on the engine's data root beside an image being pulled.
 */
public record AgentConfig(String deviceId, String mqttUrl, String mqttUsername, Secret mqttPassword,
                          Path mqttCaFile, Path mqttCertFile, Path mqttKeyFile, Path stateDir, String dockerHost,
                          DeviceProfile profile, Path socket, String topicPrefix,
                          Duration reportMinInterval, Duration reportHeartbeat, long reportMemChangeBytes,
                          long reportDiskChangeBytes, Duration resyncInterval, LogSettings logs,
                          Path dataRoot, DevicePolicy policy, Map<String, PublicKey> trustedKeys,
                          ServiceOptions.Logging defaultLogging, long diskPullFloor, String project) {

    public AgentConfig {
        policy = policy == null ? DevicePolicy.PERMISSIVE : policy;
        trustedKeys = trustedKeys == null ? Map.of() : Map.copyOf(trustedKeys);
        project = project == null ? "berth" : project;
        if (dataRoot == null && stateDir != null) {
            dataRoot = stateDir.resolve("data");
        }
    }
}
