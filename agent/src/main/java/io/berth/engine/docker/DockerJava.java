package io.berth.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * docker-java's client, made at its first use: for image loads ({@code berth load}) only.
 * Everything else goes through Berth's own {@link io.berth.engine.http.EngineHttp} with JSON
 * trees, so an agent never loads docker-java's client, its models or their Jackson bindings
 * (about 600 classes and 1 MiB of heap that would stay for the life of the process) unless it
 * loads an image archive.
 */
final class DockerJava implements Supplier<DockerClient>, AutoCloseable {
    private final String host;
    private DockerClient client; // guarded by this

    /** @param host the engine's address: {@code unix://…}, or another scheme through httpclient5 */
    DockerJava(String host) {
        this.host = host;
    }

    @Override
    public synchronized DockerClient get() {
        if (client == null) {
            // The API version is left unset on purpose: docker-java does not negotiate, and the
            // engine then answers in its own version (1.41 for dockerd 20.10).
            DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                    .withDockerHost(host)
                    .withDockerTlsVerify(false)
                    .build();
            // unix:// through the JDK's own unix-domain channels (see UnixHttpClient: it spares the TLS
            // stack httpclient5 loads); anything else through docker-java's httpclient5 transport
            DockerHttpClient transport = host.startsWith("unix://")
                    ? new UnixHttpClient(Path.of(URI.create(host).getPath()))
                    : new ApacheDockerHttpClient.Builder()
                            .dockerHost(URI.create(host))
                            .maxConnections(8)
                            .connectionTimeout(Duration.ofSeconds(5))
                            .build();
            client = DockerClientImpl.getInstance(config, transport);
        }
        return client;
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            try {
                client.close();
            } catch (IOException e) {
                Logger.debug(e, "closing the engine client");
            }
            client = null;
        }
    }
}
