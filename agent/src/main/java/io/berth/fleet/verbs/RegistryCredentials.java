package io.berth.fleet.verbs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.model.RegistryAuth;
import io.berth.model.Secret;
import io.berth.registry.RegistryException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * The operator's credentials for a registry host: {@code BERTH_REGISTRY_USERNAME} and
 * {@code BERTH_REGISTRY_PASSWORD} when set, else the {@code auths.HOST.auth} that
 * {@code docker login HOST} left in {@code ~/.docker/config.json} (or
 * {@code $DOCKER_CONFIG/config.json}); none when neither has them (credential helpers are not
 * asked: set the variables instead).
 */
final class RegistryCredentials {
    private RegistryCredentials() {}

    static RegistryAuth of(String host, Map<String, String> env) throws RegistryException {
        String user = env.get("BERTH_REGISTRY_USERNAME");
        String password = env.get("BERTH_REGISTRY_PASSWORD");
        if (user != null && !user.isEmpty() && password != null) {
            return new RegistryAuth(host, user, new Secret(password));
        }
        String dir = env.get("DOCKER_CONFIG");
        Path config = dir != null && !dir.isEmpty() ? Path.of(dir, "config.json")
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".docker", "config.json");
        return fromDockerConfig(host, config);
    }

    /** The {@code auths} entry of {@code host} (keys as {@code docker login} writes them, with or without https://). */
    static RegistryAuth fromDockerConfig(String host, Path config) throws RegistryException {
        if (!Files.isRegularFile(config)) {
            return null;
        }
        JsonNode auths;
        try {
            auths = new ObjectMapper().readTree(config.toFile()).path("auths");
        } catch (IOException e) {
            throw new RegistryException(config + " is not JSON (" + e.getMessage().lines().findFirst().orElse("")
                    + "); fix it, or set BERTH_REGISTRY_USERNAME and BERTH_REGISTRY_PASSWORD");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey().replaceFirst("^https?://", "").replaceFirst("/.*$", "");
            String auth = e.getValue().path("auth").asText("");
            if (!key.equalsIgnoreCase(host) || auth.isEmpty()) {
                continue;
            }
            String pair;
            try {
                pair = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException bad) {
                pair = "";
            }
            int colon = pair.indexOf(':');
            if (colon <= 0) {
                throw new RegistryException("the credentials for " + host + " in " + config + " are not base64 of "
                        + "USER:PASSWORD; run 'docker login " + host + "' again, or set BERTH_REGISTRY_USERNAME and "
                        + "BERTH_REGISTRY_PASSWORD");
            }
            return new RegistryAuth(host, pair.substring(0, colon), new Secret(pair.substring(colon + 1)));
        }
        return null;
    }
}
