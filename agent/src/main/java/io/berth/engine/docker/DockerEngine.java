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
import io.berth.model.ContainerStatus;
import io.berth.model.Health;
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
                    volumes.put(v.getName(), new ObservedVolume(v.getName(), managed, labels.get(Labels.SERVICE),
                            labels.containsKey(Labels.ANONYMOUS)));
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
        Map<String, String> volumes = new LinkedHashMap<>();
        if (r.getMounts() != null) {
            for (var mount : r.getMounts()) {
                if (mount.getName() != null && mount.getDestination() != null) {
                    volumes.put(mount.getDestination().getPath(), mount.getName());
                }
            }
        }
        return new ObservedContainer(id, name, managed, labels.get(Labels.SERVICE), labels.get(Labels.HASH), revision,
                ContainerStatus.of(s.getStatus()), Health.of(health), exitCode, startedAt(s.getStartedAt()),
                r.getRestartCount() == null ? 0 : r.getRestartCount(), r.getConfig().getImage(), r.getImageId(),
                Boolean.TRUE.equals(s.getOOMKilled()), volumes);
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
        call(what, Op.PULL, () -> {
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
                    throw EngineException.retryable(what + " did not finish within " + PULL_TIMEOUT.toMinutes()
                            + " minutes; it will be tried again", null);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw EngineException.retryable(what + " was interrupted", e);
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
        call("create volume " + volume.name(), Op.CREATE, () -> {
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
    public String createContainer(ServiceSpec spec, Map<String, String> inheritedVolumes, Map<String, String> labels)
            throws EngineException {
        return call("create container " + spec.containerName() + " for service " + spec.name(), Op.CREATE, () -> {
            List<String> made = new ArrayList<>();
            try {
                ContainerSettings settings = ContainerSettings.of(spec, labels, anonymousVolumes(spec, inheritedVolumes, made));
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
            } catch (RuntimeException e) {
                // the anonymous volumes made for this attempt would otherwise leak on every retry
                for (String volume : made) {
                    try {
                        client.removeVolumeCmd(volume).exec();
                    } catch (RuntimeException left) {
                        e.addSuppressed(left);
                    }
                }
                throw e;
            }
        });
    }

    /**
     * The volume for each anonymous mount of the container: the predecessor's where it had an
     * anonymous one at that path (labelled {@link Labels#ANONYMOUS}, or one the engine made
     * without a name; never a named volume the previous revision mounted there), else a new
     * volume labelled as this service's (so it is reported as an orphan once nothing uses it,
     * never lost track of or removed silently), noted in {@code made}.
     */
    private Map<String, String> anonymousVolumes(ServiceSpec spec, Map<String, String> inherited, List<String> made) {
        var config = client.inspectImageCmd(spec.image()).exec().getConfig();
        Set<String> imageVolumes = config == null || config.getVolumes() == null ? Set.of()
                : config.getVolumes().keySet();
        Map<String, String> volumes = new LinkedHashMap<>();
        for (String path : AnonymousVolumes.paths(spec, imageVolumes)) {
            String name = inherited.get(path);
            if (name != null && !anonymous(name)) {
                name = null;
            }
            if (name == null) {
                Map<String, String> labels = new HashMap<>(ownership);
                labels.put(Labels.SERVICE, spec.name());
                labels.put(Labels.ANONYMOUS, path);
                name = client.createVolumeCmd().withLabels(labels).exec().getName();
                made.add(name);
            }
            volumes.put(path, name);
        }
        return volumes;
    }

    /** Whether a mounted volume is an anonymous one: Berth's label, or a name the engine chose. */
    private boolean anonymous(String name) {
        if (AnonymousVolumes.engineNamed(name)) {
            return true;
        }
        try {
            Map<String, String> labels = client.inspectVolumeCmd(name).exec().getLabels();
            return labels != null && labels.containsKey(Labels.ANONYMOUS);
        } catch (NotFoundException gone) {
            return false;
        }
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
        call("create network " + network.name(), Op.CREATE_NETWORK, () -> {
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
        EngineEvents events = new EngineEvents();
        ResultCallback.Adapter<Event> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Event event) {
                EngineEvent read = events.read(event);
                if (read.kind() == EngineEvent.Kind.DIED && !read.oom() && read.containerId() != null) {
                    // the oom event does not always come before die (not at all under some nested
                    // cgroup setups): the container's own state says it too
                    try {
                        if (Boolean.TRUE.equals(client.inspectContainerCmd(read.containerId()).exec().getState()
                                .getOOMKilled())) {
                            read = new EngineEvent(read.containerId(), read.service(), read.action(), read.kind(),
                                    read.revision(), read.exitCode(), true, read.health());
                        }
                    } catch (RuntimeException e) {
                        // gone already: the event says what it can
                    }
                }
                onEvent.accept(read);
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

    private interface EngineCall<T> {
        T run() throws EngineException;
    }

    /** What kind of call failed, for {@link #terminal}: the same status means different things. */
    enum Op {
        /** a pull: a 404 is an image or tag that does not exist */
        PULL,
        /** creating a container or volume: a 400 is a spec the engine refuses */
        CREATE,
        /** creating a network: as CREATE, but a 403 (a pool overlapping another network's) clears */
        CREATE_NETWORK,
        /** anything else: a 404 is something replaced meanwhile */
        OTHER
    }

    /**
     * The one table of what an engine failure means, by exception type and HTTP status; the
     * message is shown, never matched.
     *
     * <pre>
     * failure                                  PULL        CREATE      CREATE_NETWORK  OTHER
     * 400 Bad Request                          terminal    terminal    terminal        retryable
     * 401 Unauthorized                         terminal    terminal    terminal        terminal
     * 403 Forbidden                            terminal    terminal    retryable       terminal
     * 404 Not Found                            terminal    retryable   retryable       retryable
     * 409 Conflict, 5xx, other statuses        retryable   retryable   retryable       retryable
     * an error inside a stream (no status)     retryable   retryable   retryable       retryable
     * no answer at all (transport)             retryable   retryable   retryable       retryable
     * </pre>
     *
     * dockerd 20.10 answers a network create whose subnet overlaps another network's with 403
     * ("Pool overlaps with other one on this address space") and one with no free default pool
     * left ("could not find an available, non-overlapping IPv4 address pool") with 500: both
     * clear when another network is removed, so both are retried with backoff.
     *
     * A registry that refuses credentials answers a pull with 500 (dockerd 20.10), like a
     * registry that is away: both are retried with backoff, never given up on.
     */
    static boolean terminal(Op op, RuntimeException e) {
        int status = e instanceof DockerException d ? d.getHttpStatus() : 0;
        return switch (status) {
            case 401 -> true;
            case 403 -> op != Op.CREATE_NETWORK;
            case 400 -> op != Op.OTHER;
            case 404 -> op == Op.PULL;
            default -> false;
        };
    }

    private <T> T call(String what, EngineCall<T> body) throws EngineException {
        return call(what, Op.OTHER, body);
    }

    /** Runs one engine call and turns docker-java's exceptions into typed errors a user can act on. */
    private <T> T call(String what, Op op, EngineCall<T> body) throws EngineException {
        try {
            return body.run();
        } catch (DockerException | DockerClientException e) {
            boolean terminal = terminal(op, e);
            String message = what + " failed: " + clean(e) + advice(op, e, terminal);
            throw terminal ? EngineException.terminal(message, e) : EngineException.retryable(message, e);
        } catch (RuntimeException e) {
            // transport failures: the engine is down or restarting
            throw EngineException.retryable(what + " failed: cannot reach the engine at " + host + " ("
                    + rootMessage(e) + "); is dockerd running? Berth retries on its own", e);
        }
    }

    /** What to do about a failure, by the same table. */
    private static String advice(Op op, RuntimeException e, boolean terminal) {
        int status = e instanceof DockerException d ? d.getHttpStatus() : 0;
        if (op == Op.PULL && terminal) {
            return "; check the image name and the registry credentials, then publish a new revision";
        }
        if (op == Op.PULL && status >= 500) {
            return "; the registry is away or refused the credentials ('registries' in the document): retried with "
                    + "backoff";
        }
        return terminal ? "; the engine refuses it: fix the document and publish a new revision" : "";
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
