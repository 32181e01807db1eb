package io.berth.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.PullResponseItem;
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
import io.berth.engine.http.EngineErrors;
import io.berth.engine.http.FollowedLogs;
import io.berth.engine.http.LogReader;
import io.berth.model.ImageRef;
import io.berth.model.Labels;
import io.berth.model.Mount;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedState;
import io.berth.model.ObservedNetwork;
import io.berth.model.ObservedVolume;
import io.berth.model.NetworkSpec;
import io.berth.model.PortBinding;
import io.berth.model.RegistryAuth;
import io.berth.model.ServiceSpec;
import io.berth.model.VolumeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.tinylog.Logger;

/** The Docker Engine API through docker-java: the only class that knows docker-java. */
public final class DockerEngine implements Engine {

    private static final Duration PULL_TIMEOUT = Duration.ofMinutes(30);

    private final DockerClient client;
    private final String host;
    private final Map<String, String> ownership;
    private final String platform;
    private volatile String engineArch;
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
    }

    @Override
    public ObservedState observe(Set<String> images, Set<String> containerNames, Set<String> volumeNames)
            throws EngineException {
        return call("list containers, volumes and images", () -> {
            List<ObservedContainer> containers = new ArrayList<>();
            for (Container c : client.listContainersCmd().withShowAll(true).exec()) {
                Map<String, String> labels = c.getLabels() == null ? Map.of() : c.getLabels();
                String name = c.getNames() == null || c.getNames().length == 0 ? c.getId()
                        : c.getNames()[0].substring(1);
                boolean managed = Labels.owned(labels, ownership);
                if (managed || containerNames.contains(name)) {
                    ObservedContainer observed = inspect(c.getId(), name, managed, labels);
                    if (observed != null) {
                        containers.add(observed);
                    }
                }
            }
            Map<String, ObservedVolume> volumes = new LinkedHashMap<>();
            List<InspectVolumeResponse> all = client.listVolumesCmd().exec().getVolumes();
            for (InspectVolumeResponse v : all == null ? List.<InspectVolumeResponse>of() : all) {
                Map<String, String> labels = v.getLabels() == null ? Map.of() : v.getLabels();
                boolean managed = Labels.owned(labels, ownership);
                if (managed || volumeNames.contains(v.getName())) {
                    volumes.put(v.getName(), new ObservedVolume(v.getName(), managed, labels.get(Labels.SERVICE)));
                }
            }
            Map<String, String> imageIds = new HashMap<>();
            for (String image : images) {
                try {
                    imageIds.put(image, client.inspectImageCmd(image).exec().getId());
                } catch (NotFoundException absent) {
                    // not pulled yet
                }
            }
            Map<String, ObservedNetwork> networks = new LinkedHashMap<>();
            for (Network n : client.listNetworksCmd().exec()) {
                Map<String, String> labels = n.getLabels() == null ? Map.of() : n.getLabels();
                boolean inUse = n.getContainers() != null && !n.getContainers().isEmpty();
                if (!inUse && Labels.owned(labels, ownership)) {
                    // the list does not always carry the attached containers: ask the network itself
                    try {
                        var inspected = client.inspectNetworkCmd().withNetworkId(n.getId()).exec();
                        inUse = inspected.getContainers() != null && !inspected.getContainers().isEmpty();
                    } catch (NotFoundException gone) {
                        continue;
                    }
                }
                networks.put(n.getName(), new ObservedNetwork(n.getName(), Labels.owned(labels, ownership), inUse));
            }
            return new ObservedState(containers, volumes, imageIds, networks);
        });
    }

    private ObservedContainer inspect(String id, String name, boolean managed, Map<String, String> labels) {
        InspectContainerResponse r;
        try {
            r = client.inspectContainerCmd(id).exec();
        } catch (NotFoundException gone) {
            return null; // removed between list and inspect
        }
        InspectContainerResponse.ContainerState s = r.getState();
        String health = s.getHealth() == null || s.getHealth().getStatus() == null ? "none" : s.getHealth().getStatus();
        Integer exitCode = "created".equals(s.getStatus()) || Boolean.TRUE.equals(s.getRunning()) ? null : s.getExitCode();
        long revision = parseLong(labels.get(Labels.REVISION));
        return new ObservedContainer(id, name, managed, labels.get(Labels.SERVICE), labels.get(Labels.HASH), revision,
                s.getStatus(), health, exitCode, startedAt(s.getStartedAt()),
                r.getRestartCount() == null ? 0 : r.getRestartCount(), r.getConfig().getImage(), r.getImageId(),
                Boolean.TRUE.equals(s.getOOMKilled()));
    }

    private static String startedAt(String value) {
        return value == null || value.startsWith("0001-") ? null : value;
    }

    private static long parseLong(String value) {
        try {
            return value == null ? 0 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public void pull(String image, RegistryAuth auth, Consumer<PullProgress> progress) throws EngineException {
        String what = "pull " + image + (platform == null ? "" : " for " + platform);
        call(what, () -> {
            var cmd = client.pullImageCmd(ImageRef.repositoryOf(image)).withTag(ImageRef.tagOf(image));
            if (platform != null) {
                cmd.withPlatform(platform);
            }
            if (auth != null) {
                cmd.withAuthConfig(new AuthConfig()
                        .withRegistryAddress(auth.registry())
                        .withUsername(auth.username())
                        .withPassword(auth.password().reveal()));
            }
            try {
                LayerProgress layers = new LayerProgress();
                boolean done = cmd.exec(new PullImageResultCallback() {
                            @Override
                            public void onNext(PullResponseItem item) {
                                super.onNext(item);
                                var detail = item.getProgressDetail();
                                PullProgress sum = layers.update(item.getId(), item.getStatus(),
                                        detail == null ? null : detail.getCurrent(),
                                        detail == null ? null : detail.getTotal());
                                if (sum != null) {
                                    try {
                                        progress.accept(sum);
                                    } catch (RuntimeException e) {
                                        Logger.warn(e, "a pull progress listener failed");
                                    }
                                }
                            }
                        })
                        .awaitCompletion(PULL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                if (!done) {
                    throw new EngineException(what + " did not finish within " + PULL_TIMEOUT.toMinutes()
                            + " minutes; it will be tried again", false, null);
                }
            } catch (NotFoundException e) {
                throw new EngineException(what + " failed: " + clean(e) + "; check the image name, then publish a "
                        + "new revision", true, e);
            } catch (DockerClientException e) {
                // errors in the pull's progress stream: a missing image or refused credentials will not
                // mend themselves, a broken connection will
                String message = String.valueOf(e.getMessage()).toLowerCase();
                boolean terminal = message.contains("not found") || message.contains("manifest unknown")
                        || message.contains("unauthorized") || message.contains("denied");
                throw new EngineException(what + " failed: " + clean(e) + (terminal
                        ? "; check the image name and the registry credentials, then publish a new revision" : ""),
                        terminal, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EngineException(what + " was interrupted", false, e);
            }
            return null;
        });
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
        return call("inspect volume " + name, () -> {
            try {
                Map<String, String> options = client.inspectVolumeCmd(name).exec().getOptions();
                return options == null ? Map.of() : Map.copyOf(options);
            } catch (NotFoundException absent) {
                return Map.of();
            }
        });
    }

    @Override
    public void createVolume(VolumeSpec volume, Map<String, String> labels) throws EngineException {
        call("create volume " + volume.name(), () -> {
            Map<String, String> all = new HashMap<>(volume.labels());
            all.putAll(labels);
            var cmd = client.createVolumeCmd().withName(volume.name()).withLabels(all);
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
    public String createContainer(ServiceSpec spec, Map<String, String> labels) throws EngineException {
        return call("create container " + spec.containerName() + " for service " + spec.name(), () -> {
            ContainerSettings settings = ContainerSettings.of(AnonymousVolumes.inherit(client, spec, labels), labels);
            CreateContainerCmd cmd = client.createContainerCmd(spec.image());
            settings.applyTo(cmd);
            String id = cmd.exec().getId();
            try {
                // API 1.41 attaches one network at create; the others before the first start
                for (var extra : settings.extraNetworks().entrySet()) {
                    client.connectToNetworkCmd().withContainerId(id).withNetworkId(extra.getKey())
                            .withContainerNetwork(extra.getValue()).exec();
                }
            } catch (RuntimeException e) {
                client.removeContainerCmd(id).withForce(true).exec();
                throw e;
            }
            return id;
        });
    }

    @Override
    public void removeVolume(String name) throws EngineException {
        call("remove volume " + name, () -> {
            try {
                client.removeVolumeCmd(name).exec();
            } catch (NotFoundException gone) {
                // fine: it is gone
            }
            return null;
        });
    }

    @Override
    public void createNetwork(NetworkSpec network, Map<String, String> labels) throws EngineException {
        call("create network " + network.name(), () -> {
            Map<String, String> all = new HashMap<>(network.labels());
            all.putAll(labels);
            var cmd = client.createNetworkCmd().withName(network.name()).withLabels(all)
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
                client.removeNetworkCmd(name).exec();
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
            String foreign = foreignImage(containerId);
            if (foreign != null) {
                throw new EngineException(what + ": " + foreign + "; publish the image for this platform (or a "
                        + "multi-arch image) or set the device profile that matches this board", true, null);
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
        ResultCallback.Adapter<Event> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Event event) {
                var actor = event.getActor();
                Map<String, String> attributes = actor == null || actor.getAttributes() == null
                        ? Map.of() : actor.getAttributes();
                onEvent.accept(new EngineEvent(event.getId(), attributes.get(Labels.SERVICE), event.getAction()));
            }

            @Override
            public void onError(Throwable error) {
                onBroken.accept(error);
            }

            @Override
            public void onComplete() {
                onBroken.accept(new IOException("the engine closed its event stream"));
            }
        };
        return client.eventsCmd()
                .withEventTypeFilter(EventType.CONTAINER)
                .withLabelFilter(ownership)
                .exec(callback);
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
                throw new EngineException("reading container logs needs the engine's unix socket; " + host
                        + " is not one", true, null);
            }
            try {
                logReader = new LogReader(Path.of(URI.create(host).getPath()));
            } catch (IOException e) {
                throw new EngineException("cannot read container logs: " + e.getMessage(), true, e);
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

    private interface EngineCall<T> {
        T run() throws EngineException;
    }

    /** Runs one engine call and turns docker-java's exceptions into messages a user can act on. */
    private <T> T call(String what, EngineCall<T> body) throws EngineException {
        try {
            return body.run();
        } catch (NotFoundException e) {
            // only a missing image is for good (pull maps it itself); a container or network that is
            // missing now (being replaced) may be there on the next pass
            throw new EngineException(what + " failed: " + clean(e), false, e);
        } catch (ConflictException e) {
            throw new EngineException(what + " failed: " + clean(e), false, e);
        } catch (DockerException | DockerClientException e) {
            String message = clean(e);
            boolean refusedLogin = message.toLowerCase().contains("unauthorized")
                    || message.toLowerCase().contains("authentication required")
                    || message.toLowerCase().contains("denied");
            // a bad request or refused credentials will not mend themselves: wait for a new revision
            // "No such container/network" (a container being replaced) is worth another pass
            boolean terminal = refusedLogin || (e instanceof DockerException d && d.getHttpStatus() == 400
                    && !message.contains("No such"));
            throw new EngineException(what + " failed: " + message + (refusedLogin
                    ? "; the registry refused the credentials: fix 'registries' in the document and publish "
                    + "a new revision" : ""), terminal, e);
        } catch (RuntimeException e) {
            // transport failures: the engine is down or restarting
            throw new EngineException(what + " failed: cannot reach the engine at " + host + " (" + rootMessage(e)
                    + "); is dockerd running? Berth retries on its own", false, e);
        }
    }

    private static String clean(RuntimeException e) {
        // docker-java prefixes "Status 404: " and wraps the engine's JSON {"message":"…"}
        return e.getMessage() == null ? e.getClass().getSimpleName() : EngineErrors.fromText(e.getMessage());
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
