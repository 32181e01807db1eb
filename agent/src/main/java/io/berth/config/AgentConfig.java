package io.berth.config;

import io.berth.model.Secret;
import java.nio.file.Path;
import java.time.Duration;

/** The agent's settings after the profile, the config file and the environment were merged. */
public record AgentConfig(String deviceId, String mqttUrl, String mqttUsername, Secret mqttPassword,
                          Path mqttCaFile, Path mqttCertFile, Path mqttKeyFile, Path stateDir, String dockerHost, DeviceProfile profile, Path socket, String topicPrefix,
                          Duration reportMinInterval, Duration reportHeartbeat, long reportMemChangeBytes,
                          long reportDiskChangeBytes, Duration resyncInterval,
                          LogSettings logs) {
}
