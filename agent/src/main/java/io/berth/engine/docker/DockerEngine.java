package io.berth.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Network;
import io.berth.engine.Engine;
import io.berth.engine.EngineEvent;
import io.berth.engine.EngineException;
import io.berth.engine.EngineInfo;
import io.berth.engine.LogStreams;
import io.berth.engine.LogLine;
import io.berth.engine.LogQuery;
import io.berth.engine.LocalImage;
import io.berth.engine.PullProgress;
import io.berth.engine.docker.EngineCalls.Op;
import io.berth.engine.http.EngineHttp;
import io.berth.engine.http.FollowedLogs;
import io.berth.engine.http.LogReader;
import io.berth.model.Labels;
import io.berth.model.ObservedState;
import io.berth.model.NetworkSpec;
import io.berth.model.RegistryAuth;
import io.berth.model.ServiceSpec;
import io.berth.model.VolumeSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * The Docker Engine API: what the agent reads on every pass (observation, inspects, the event
 * stream) through Berth's own {@link EngineHttp} into JSON trees, and the changes it makes
 * (creates, pulls, starts, stops, removals) through docker-java, made at its first use
 * ({@link DockerJava}). Only this package knows docker-java.
 */
public final class DockerEngine implements Engine {

    private final DockerJava docker;
    private final EngineHttp http;
    private final String host;
    private final Map<String, String> ownership;
    private final String platform;
    private final EngineCalls calls;
    private final Observation observation;
    private final EngineQueries queries;
    private final ContainerCreation creation;
    private final ImagePulls pulls;
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
        this.http = new EngineHttp(dockerHost);
        this.docker = new DockerJava(dockerHost);
        this.calls = new EngineCalls(dockerHost);
        this.observation = new Observation(http, this.ownership, calls);
        this.queries = new EngineQueries(http, calls);
        this.creation = new ContainerCreation(docker, http, this.ownership, calls);
        this.pulls = new ImagePulls(docker, this.platform, calls);
    }

    private DockerClient client() {
        return docker.get();
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
        return queries.image(reference);
    }

    @Override
    public Set<String> imagesInUse() throws EngineException {
        return queries.imagesInUse();
    }

    @Override
    public boolean removeImage(String imageId) throws EngineException {
        return call("remove image " + shortId(imageId), () -> {
            try {
                client().removeImageCmd(imageId).withForce(false).exec();
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
        return queries.dataRoot();
    }

    @Override
    public Map<String, String> volumeOptions(String name) throws EngineException {
        return queries.volumeOptions(name);
    }

    @Override
    public void createVolume(VolumeSpec volume, Map<String, String> labels) throws EngineException {
        call("create volume " + volume.name(), Op.CREATE, () -> {
            Map<String, String> all = new HashMap<>(volume.labels());
            all.putAll(labels);
            var cmd = client().createVolumeCmd().withName(volume.name()).withLabels(all);
            if (volume.driver() != null) {
                cmd.withDriver(volume.driver());
            }
            if (!volume.driverOpts().isEmpty()) {
                cmd.withDriverOpts(volume.driverOpts());
            }
            cmd.exec();
            return null;
        });
    }

    @Override
    public String createContainer(ServiceSpec spec, Map<String, String> inheritedVolumes, Map<String, String> labels)
            throws EngineException {
        return creation.createContainer(spec, inheritedVolumes, labels);
    }

    @Override
    public void removeVolume(String name) throws EngineException {
        call("remove volume " + name, () -> {
            try {
                client().removeVolumeCmd(name).exec();
            } catch (NotFoundException gone) {
                // fine: it is gone
            }
            return null;
        });
    }

    @Override
    public void createNetwork(NetworkSpec network, Map<String, String> labels) throws EngineException {
        call("create network " + network.name(), Op.CREATE_NETWORK, () -> {
            Map<String, String> all = new HashMap<>(network.labels());
            all.putAll(labels);
            var cmd = client().createNetworkCmd().withName(network.name()).withLabels(all)
                    .withCheckDuplicate(true).withInternal(network.internal()).withEnableIpv6(network.enableIpv6())
                    .withAttachable(true);
            if (network.driver() != null) {
                cmd.withDriver(network.driver());
            }
            if (!network.driverOpts().isEmpty()) {
                cmd.withOptions(network.driverOpts());
            }
            if (network.ipam() != null) {
                Network.Ipam ipam = new Network.Ipam();
                if (network.ipam().driver() != null) {
                    ipam.withDriver(network.ipam().driver());
                }
                ipam.withConfig(network.ipam().config().stream().map(pool -> {
                    Network.Ipam.Config c = new Network.Ipam.Config().withSubnet(pool.subnet());
                    if (pool.gateway() != null) {
                        c.withGateway(pool.gateway());
                    }
                    if (pool.ipRange() != null) {
                        c.withIpRange(pool.ipRange());
                    }
                    return c;
                }).toList());
                cmd.withIpam(ipam);
            }
            cmd.exec();
            return null;
        });
    }

    @Override
    public void removeNetwork(String name) throws EngineException {
        call("remove network " + name, () -> {
            try {
                client().removeNetworkCmd(name).exec();
            } catch (NotFoundException gone) {
                // fine: it is gone
            }
            return null;
        });
    }

    @Override
    public void start(String containerId) throws EngineException {
        String what = "start container " + shortId(containerId);
        call(what, () -> {
            String foreign = queries.foreignImage(containerId);
            if (foreign != null) {
                throw EngineException.terminal(what + ": " + foreign + "; publish the image for this platform (or a "
                        + "multi-arch image) or set the device profile that matches this board", null);
            }
            try {
                client().startContainerCmd(containerId).exec();
            } catch (NotModifiedException alreadyRunning) {
                // fine: it runs
            }
            return null;
        });
    }

    @Override
    public void stop(String containerId, Duration grace) throws EngineException {
        call("stop container " + shortId(containerId), () -> {
            try {
                client().stopContainerCmd(containerId).withTimeout((int) grace.toSeconds()).exec();
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
                client().removeContainerCmd(containerId).withForce(true).withRemoveVolumes(false).exec();
            } catch (NotFoundException gone) {
                // fine: it is gone
            }
            return null;
        });
    }

    @Override
    public void rename(String containerId, String newName) throws EngineException {
        call("rename container " + shortId(containerId) + " to " + newName, () -> {
            client().renameContainerCmd(containerId).withName(newName).exec();
            return null;
        });
    }

    @Override
    public EngineInfo info() throws EngineException {
        return queries.info();
    }

    @Override
    public LogStreams openLogStreams(LogStreams.Sink sink) throws EngineException {
        return new FollowedLogs(logReader(), sink);
    }

    @Override
    public AutoCloseable watch(Consumer<EngineEvent> onEvent, Consumer<Throwable> onBroken) {
        return EngineEvents.watch(http, ownership, onEvent, onBroken);
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
            client().loadImageCmd(dockerSave).exec();
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
        docker.close();
    }

    private <T> T call(String what, EngineCalls.EngineCall<T> body) throws EngineException {
        return calls.call(what, body);
    }

    private <T> T call(String what, Op op, EngineCalls.EngineCall<T> body) throws EngineException {
        return calls.call(what, op, body);
    }

    private static String shortId(String id) {
        return EngineCalls.shortId(id);
    }

    private static String clean(RuntimeException e) {
        return EngineCalls.clean(e);
    }
}
