package io.berth.engine.docker;

import io.berth.engine.Engine;
import io.berth.engine.EngineEvent;
import io.berth.engine.EngineException;
import io.berth.engine.EngineInfo;
import io.berth.engine.LogStreams;
import io.berth.engine.LogLine;
import io.berth.engine.LogQuery;
import io.berth.engine.LocalImage;
import io.berth.engine.PullProgress;
import io.berth.engine.http.EngineHttp;
import io.berth.engine.http.EngineStatusException;
import io.berth.engine.http.FollowedLogs;
import io.berth.engine.http.LogReader;
import io.berth.model.Labels;
import io.berth.model.ObservedState;
import io.berth.model.NetworkSpec;
import io.berth.model.RegistryAuth;
import io.berth.model.ServiceSpec;
import io.berth.model.VolumeSpec;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * The Docker Engine API: the {@link Engine} the agent runs on. Requests go through Berth's own
 * {@link EngineHttp} with the engine's JSON read and written as trees (no model classes, no
 * Jackson bean introspection); image loads ({@code berth load}) are streamed to the engine as they
 * are read. Of docker-java, only its configuration is used: pulls read {@code docker login}'s
 * credentials with it ({@link DockerLogins}), and the mount syntax is parsed with its models.
 * Observation,
 * container creation, pulls, and volumes and networks are the classes beside it; the calls on
 * images and containers are here. Only this package knows docker-java.
 */
public final class DockerEngine implements Engine {
    /**
     * How long a change may take before it counts as failed (and is retried): far past any engine's
     * normal, a create that copies an image's data into a new volume on a slow SD card included.
     */
    static final long CHANGE_TIMEOUT_MS = Duration.ofMinutes(15).toMillis();
    /** How long a load may go without the engine reading more of the archive or saying anything. */
    private static final long LOAD_SILENCE_MS = Duration.ofMinutes(10).toMillis();
    /** How long the engine may register a loaded archive's layers, silent, once it has all of it. */
    private static final long LOAD_ANSWER_MS = Duration.ofMinutes(60).toMillis();

    private final EngineHttp http;
    private final EngineCalls calls;
    private final Observation observation;
    private final EngineQueries queries;
    private final ContainerCreation creation;
    private final ImagePulls pulls;
    private final VolumesAndNetworks resources;
    private final Map<String, String> ownership;
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
        this.ownership = Map.copyOf(ownership);
        this.http = new EngineHttp(dockerHost);
        this.calls = new EngineCalls(dockerHost);
        this.observation = new Observation(http, this.ownership, calls);
        this.queries = new EngineQueries(http, calls);
        this.creation = new ContainerCreation(http, this.ownership, calls);
        this.pulls = new ImagePulls(http, new DockerLogins()::credentials,
                platform == null || platform.isBlank() ? null : platform, calls);
        this.resources = new VolumesAndNetworks(http, calls);
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
                http.send("DELETE", "/images/" + imageId + "?force=0", null, CHANGE_TIMEOUT_MS);
                return true;
            } catch (EngineStatusException e) {
                if (e.status() == 404) {
                    return true;
                }
                if (e.status() == 409) {
                    // used by a container, or tagged in more than one repository: not ours to force
                    Logger.debug("image {} stays: {}", shortId(imageId), e.engineMessage());
                    return false;
                }
                throw e;
            }
        });
    }

    @Override
    public String dataRoot() throws EngineException {
        return queries.dataRoot();
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
            String foreign = queries.foreignImage(containerId);
            if (foreign != null) {
                throw EngineException.terminal(what + ": " + foreign + "; publish the image for this platform (or a "
                        + "multi-arch image) or set the device profile that matches this board", null);
            }
            try {
                http.send("POST", "/containers/" + containerId + "/start", null, CHANGE_TIMEOUT_MS);
            } catch (EngineStatusException e) {
                if (e.status() != 304) { // 304: it runs already, which is fine
                    throw e;
                }
            }
            return null;
        });
    }

    @Override
    public void stop(String containerId, Duration grace) throws EngineException {
        call("stop container " + shortId(containerId), () -> {
            try {
                http.send("POST", "/containers/" + containerId + "/stop?t=" + grace.toSeconds(), null,
                        grace.toMillis() + CHANGE_TIMEOUT_MS);
            } catch (EngineStatusException e) {
                if (e.status() != 304 && e.status() != 404) { // it does not run, or is gone: fine
                    throw e;
                }
            }
            return null;
        });
    }

    @Override
    public void remove(String containerId) throws EngineException {
        call("remove container " + shortId(containerId), () -> {
            removeContainer(http, containerId);
            return null;
        });
    }

    /** Removes a container (running or not), never its volumes; one already gone is fine. */
    static void removeContainer(EngineHttp http, String containerId) throws IOException {
        VolumesAndNetworks.deleteIfPresent(http, "/containers/" + containerId + "?force=1&v=0");
    }

    @Override
    public void rename(String containerId, String newName) throws EngineException {
        call("rename container " + shortId(containerId) + " to " + newName, () -> {
            http.send("POST", "/containers/" + containerId + "/rename?name="
                    + URLEncoder.encode(newName, StandardCharsets.UTF_8), null, CHANGE_TIMEOUT_MS);
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
            try {
                logReader = new LogReader(http);
            } catch (IOException e) {
                throw EngineException.terminal("cannot read container logs: " + e.getMessage(), e);
            }
        }
        return logReader;
    }

    @Override
    public String loadImages(java.io.InputStream dockerSave) throws EngineException {
        return call("load images", () -> {
            // streamed as it is read: an archive is far larger than the agent's heap
            StringBuilder loaded = new StringBuilder();
            String[] error = new String[1];
            http.upload("/images/load?quiet=1", "application/x-tar", dockerSave, LOAD_SILENCE_MS, LOAD_ANSWER_MS,
                    item -> {
                String failure = ImagePulls.errorOf(item);
                if (failure != null) {
                    error[0] = failure;
                }
                String said = EngineJson.text(item, "stream");
                if (said != null && !said.isBlank()) {
                    loaded.append(loaded.length() == 0 ? "" : "; ").append(said.strip());
                }
            });
            if (error[0] != null) {
                throw new EngineCalls.StreamError(error[0]);
            }
            return loaded.length() == 0 ? "loaded" : loaded.toString();
        });
    }

    @Override
    public void close() {
        synchronized (this) {
            if (logReader != null) {
                logReader.close();
            }
        }
    }

    private <T> T call(String what, EngineCalls.EngineCall<T> body) throws EngineException {
        return calls.call(what, body);
    }

    private static String shortId(String id) {
        return EngineCalls.shortId(id);
    }
}
