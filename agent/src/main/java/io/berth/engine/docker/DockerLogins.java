package io.berth.engine.docker;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The credentials {@code docker login} stored for the agent's user, for a pull the document gives
 * none for: what docker-java's client used to send (its {@code effectiveAuthConfig}: the docker
 * config file's {@code auths}, {@code ~/.docker-java.properties}, the {@code REGISTRY_*} variables).
 * docker-java's configuration is read only when one of those exists, so a device without them
 * loads none of it.
 */
final class DockerLogins {

    /** The {@code X-Registry-Auth} object for pulling {@code repository}, or null for none. */
    ObjectNode credentials(String repository) {
        if (!mayHaveAny()) {
            return null;
        }
        // only the credentials are wanted: the engine's address is pinned, so a DOCKER_HOST or
        // DOCKER_TLS_VERIFY in the agent's environment (ssh://, a TLS engine) cannot fail the build
        AuthConfig auth = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost("unix:///var/run/docker.sock")
                .withDockerTlsVerify(false)
                .build()
                .effectiveAuthConfig(repository);
        if (auth == null) {
            return null;
        }
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        ContainerSettings.putText(node, "username", auth.getUsername());
        ContainerSettings.putText(node, "password", auth.getPassword());
        ContainerSettings.putText(node, "email", auth.getEmail());
        ContainerSettings.putText(node, "serveraddress", auth.getRegistryAddress());
        ContainerSettings.putText(node, "auth", auth.getAuth());
        ContainerSettings.putText(node, "identitytoken", auth.getIdentitytoken());
        ContainerSettings.putText(node, "registrytoken", auth.getRegistrytoken());
        return node;
    }

    /** Whether any place docker-java takes registry credentials from exists. */
    private static boolean mayHaveAny() {
        String home = System.getProperty("user.home");
        String configDir = System.getenv("DOCKER_CONFIG") != null ? System.getenv("DOCKER_CONFIG")
                : System.getProperty("DOCKER_CONFIG", home + "/.docker");
        return Files.exists(Path.of(configDir, "config.json")) || Files.exists(Path.of(home, ".dockercfg"))
                || Files.exists(Path.of(home, ".docker-java.properties")) || System.getenv("REGISTRY_USERNAME") != null
                || System.getProperty("registry.username") != null;
    }
}
