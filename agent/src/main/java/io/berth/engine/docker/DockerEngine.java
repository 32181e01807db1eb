package io.berth.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Version;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import io.berth.engine.Engine;
import io.berth.engine.EngineEvent;
import io.berth.engine.EngineException;
import io.berth.engine.EngineInfo;
import io.berth.engine.LogStreams;
import io.berth.engine.LogLine;
import io.berth.engine.LogQuery;
import io.berth.engine.LocalImage;
import io.berth.engine.PullProgress;
import io.berth.engine.http.FollowedLogs;
import io.berth.engine.http.LogReader;
import io.berth.model.Labels;
import io.berth.model.ObservedState;
import io.berth.model.NetworkSpec;
import io.berth.model.RegistryAuth;
import io.berth.model.ServiceSpec;
import io.berth.model.VolumeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.tinylog.Logger;

/**
 * The Docker Engine API through docker-java (only this package knows docker-java): the
 * {@link Engine} the agent runs on, handing observation, container creation, pulls, and volumes
 * and networks to the classes beside it, and answering the calls on images and containers itself.
 */
public final class DockerEngine implements Engine {

    private final DockerClient client;
    private final String host;
    private final Map<String, String> ownership;
    private final String platform;
    private volatile String engineArch;
    private final EngineCalls calls;
    private final Observation observation;
    private final ContainerCreation creation;
    private final ImagePulls pulls;
    private final VolumesAndNetworks resources;
    private LogReader logReader; // guarded by this

    /** @param ownership the labels that mark what this agent created ({@link Labels#ownership}) */
    public DockerEngine(String dockerHost, Map<String, String> ownership) {
        this(dockerHost, ownership, null);
    }

    /**
     * @param ownership the labels that mark what this agent created ({@link Labels#ownership})
     * @param platform  the image platform to pull ({@code linux/arm64}, from the device profile), or null
     *                  for the engine's own
     */
    public DockerEngine(String dockerHost, Map<String, String> ownership, String platform) {
        this.host = dockerHost;
        this.platform = platform == null || platform.isBlank() ? null : platform;
        this.ownership = Map.copyOf(ownership);
        // The API version is left unset on purpose: docker-java does not negotiate, and the
        // engine then answers in its own version (1.41 for dockerd 20.10).
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(dockerHost)
                .withDockerTlsVerify(false)
                .build();
        // unix:// through the JDK's own unix-domain channels (see UnixHttpClient: it spares the TLS
        // stack httpclient5 loads); anything else through docker-java's httpclient5 transport
        DockerHttpClient http = dockerHost.startsWith("unix://")
                ? new UnixHttpClient(Path.of(URI.create(dockerHost).getPath()))
                : new ApacheDockerHttpClient.Builder()
                        .dockerHost(URI.create(dockerHost))
                        .maxConnections(8)
                        .connectionTimeout(Duration.ofSeconds(5))
                        .build();
        this.client = DockerClientImpl.getInstance(config, http);
        this.calls = new EngineCalls(dockerHost);
        this.observation = new Observation(client, this.ownership, calls);
        this.creation = new ContainerCreation(client, this.ownership, calls);
        this.pulls = new ImagePulls(client, this.platform, calls);
        this.resources = new VolumesAndNetworks(client, calls);
    }

    @Override
    public ObservedState observe(Set<String> images, Set<String> containerNames, Set<String> volumeNames)
            throws EngineException {
        return observation.observe(images, containerNames, volumeNames);
    }

    @Override
    public void pull(String image, RegistryAuth auth, Consumer<PullProgress> progress) throws EngineException {
        pulls.pull(image, auth, progress);
    }

    @Override
    public LocalImage image(String reference) throws EngineException {
        return call("inspect image " + reference, () -> {
            try {
                var inspected = client.inspectImageCmd(reference).exec();
                return new LocalImage(inspected.getId(), inspected.getSize() == null ? 0 : inspected.getSize(),
                        inspected.getRepoTags());
            } catch (NotFoundException absent) {
                return null;
            }
        });
    }

    @Override
    public Set<String> imagesInUse() throws EngineException {
        return call("list the images of containers", () -> {
            Set<String> ids = new java.util.HashSet<>();
            for (Container c : client.listContainersCmd().withShowAll(true).exec()) {
                if (c.getImageId() != null) {
                    ids.add(c.getImageId());
                }
            }
            return ids;
        });
    }

    @Override
    public boolean removeImage(String imageId) throws EngineException {
        return call("remove image " + shortId(imageId), () -> {
            try {
                client.removeImageCmd(imageId).withForce(false).exec();
                return true;
            } catch (NotFoundException gone) {
                return true;
            } catch (ConflictException inUse) {
                // used by a container, or tagged in more than one repository: not ours to force
                Logger.debug("image {} stays: {}", shortId(imageId), clean(inUse));
                return false;
            }
        });
    }

    @Override
    public String dataRoot() throws EngineException {
        return call("read the engine's data root", () -> client.infoCmd().exec().getDockerRootDir());
    }

    @Override
    public Map<String, String> volumeOptions(String name) throws EngineException {
        return resources.volumeOptions(name);
    }

    @Override
    public void createVolume(VolumeSpec volume, Map<String, String> labels) throws EngineException {
        resources.createVolume(volume, labels);
    }

    @Override
    public String createContainer(ServiceSpec spec, Map<String, String> inheritedVolumes, Map<String, String> labels)
            throws EngineException {
        return creation.createContainer(spec, inheritedVolumes, labels);
    }

    @Override
    public void removeVolume(String name) throws EngineException {
        resources.removeVolume(name);
    }

    @Override
    public void createNetwork(NetworkSpec network, Map<String, String> labels) throws EngineException {
        resources.createNetwork(network, labels);
    }

    @Override
    public void removeNetwork(String name) throws EngineException {
        resources.removeNetwork(name);
    }

    @Override
    public void start(String containerId) throws EngineException {
        String what = "start container " + shortId(containerId);
        call(what, () -> {
            String foreign = foreignImage(containerId);
            if (foreign != null) {
                throw EngineException.terminal(what + ": " + foreign + "; publish the image for this platform (or a "
                        + "multi-arch image) or set the device profile that matches this board", null);
            }
            try {
                client.startContainerCmd(containerId).exec();
            } catch (NotModifiedException alreadyRunning) {
                // fine: it runs
            }
            return null;
        });
    }

    /** Why the engine cannot run this container's image (its architecture), or null. */
    private String foreignImage(String containerId) {
        String imageId = client.inspectContainerCmd(containerId).exec().getImageId();
        String imageArch = client.inspectImageCmd(imageId).exec().getArch();
        if (engineArch == null) {
            engineArch = client.infoCmd().exec().getArchitecture();
        }
        return Architectures.cannotRun(imageArch, engineArch, binfmtHandlers());
    }

    private static Set<String> binfmtHandlers() {
        try (var entries = Files.list(Path.of("/proc/sys/fs/binfmt_misc"))) {
            return entries.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }

    @Override
    public void stop(String containerId, Duration grace) throws EngineException {
        call("stop container " + shortId(containerId), () -> {
            try {
                client.stopContainerCmd(containerId).withTimeout((int) grace.toSeconds()).exec();
            } catch (NotModifiedException | NotFoundException alreadyStopped) {
                // fine: it does not run
            }
            return null;
        });
    }

    @Override
    public void remove(String containerId) throws EngineException {
        call("remove container " + shortId(containerId), () -> {
            try {
                client.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(false).exec();
            } catch (NotFoundException gone) {
                // fine: it is gone
            }
            return null;
        });
    }

    @Override
    public void rename(String containerId, String newName) throws EngineException {
        call("rename container " + shortId(containerId) + " to " + newName, () -> {
            client.renameContainerCmd(containerId).withName(newName).exec();
            return null;
        });
    }

    @Override
    public EngineInfo info() throws EngineException {
        return call("read the engine version", () -> {
            Version v = client.versionCmd().exec();
            String arch = client.infoCmd().exec().getArchitecture();
            return new EngineInfo(v.getVersion(), v.getApiVersion(), arch);
        });
    }

    @Override
    public LogStreams openLogStreams(LogStreams.Sink sink) throws EngineException {
        return new FollowedLogs(logReader(), sink);
    }

    @Override
    public AutoCloseable watch(Consumer<EngineEvent> onEvent, Consumer<Throwable> onBroken) {
        return EngineEvents.watch(client, ownership, onEvent, onBroken);
    }

    @Override
    public AutoCloseable logs(String containerId, LogQuery query, Consumer<LogLine> onLine,
                              Consumer<Throwable> onEnd) throws EngineException {
        return logReader().read(LogReader.path(containerId, query), new LogReader.Sink() {
            @Override
            public void line(String stream, String time, String text) {
                onLine.accept(new LogLine(time, stream, text));
            }

            @Override
            public void ended(String problem, boolean refused) {
                onEnd.accept(problem == null ? null : new IOException(problem));
            }
        });
    }

    /** The one log reader (one thread) for every follow and read of this engine, opened at first use. */
    private synchronized LogReader logReader() throws EngineException {
        if (logReader == null) {
            if (!host.startsWith("unix://")) {
                throw EngineException.terminal("reading container logs needs the engine's unix socket; " + host
                        + " is not one", null);
            }
            try {
                logReader = new LogReader(Path.of(URI.create(host).getPath()));
            } catch (IOException e) {
                throw EngineException.terminal("cannot read container logs: " + e.getMessage(), e);
            }
        }
        return logReader;
    }

    @Override
    public String loadImages(java.io.InputStream dockerSave) throws EngineException {
        return call("load images", () -> {
            client.loadImageCmd(dockerSave).exec();
            return "loaded";
        });
    }

    @Override
    public void close() {
        synchronized (this) {
            if (logReader != null) {
                logReader.close();
            }
        }
        try {
            client.close();
        } catch (IOException e) {
            Logger.debug(e, "closing the engine client");
        }
    }

    private <T> T call(String what, EngineCalls.EngineCall<T> body) throws EngineException {
        return calls.call(what, body);
    }

    private static String shortId(String id) {
        return EngineCalls.shortId(id);
    }

    private static String clean(RuntimeException e) {
        return EngineCalls.clean(e);
    }
}
