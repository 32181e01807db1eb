package io.berth.engine;

import io.berth.model.NetworkSpec;
import io.berth.model.ObservedState;
import io.berth.model.RegistryAuth;
import io.berth.model.ServiceSpec;
import io.berth.model.VolumeSpec;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/** The container engine, as the agent needs it. One implementation per engine API; no other code talks to it. */
public interface Engine extends AutoCloseable {

    /**
     * Every managed container and every container whose name is in {@code containerNames};
     * every managed volume and every volume named in {@code volumeNames}; the local id of each
     * image in {@code images} that is present.
     */
    ObservedState observe(Set<String> images, Set<String> containerNames, Set<String> volumeNames)
            throws EngineException;

    /** Pulls an image, without progress. */
    default void pull(String image, RegistryAuth auth) throws EngineException {
        pull(image, auth, progress -> { });
    }

    /**
     * Pulls an image; {@code progress} gets the summed layer progress as often as the engine tells
     * it (many times a second: callers throttle). An image already present is "up to date": fine.
     */
    void pull(String image, RegistryAuth auth, Consumer<PullProgress> progress) throws EngineException;

    /** The image a reference ({@code repo:tag} or an id) names locally, or null when there is none. */
    LocalImage image(String reference) throws EngineException;

    /** The ids of the images that containers (any, running or not) were created from. */
    Set<String> imagesInUse() throws EngineException;

    /**
     * Removes an image by id, never forced. Returns false, removing nothing, when the engine refuses
     * because a container uses it or another repository references it; true when it is gone.
     */
    boolean removeImage(String imageId) throws EngineException;

    /** The engine's data root ({@code docker info} DockerRootDir, e.g. {@code /var/lib/docker}). */
    String dataRoot() throws EngineException;

    void createVolume(VolumeSpec volume, Map<String, String> labels) throws EngineException;

    /**
     * The driver options of an existing volume (the local driver's {@code type}, {@code o},
     * {@code device}), empty when it has none or there is no such volume: what the device policy
     * judges an {@code external} volume by.
     */
    Map<String, String> volumeOptions(String name) throws EngineException;

    /** Removes a volume by name, never forced (the engine refuses one a container uses). Missing is not an error. */
    void removeVolume(String name) throws EngineException;

    /** Creates a network with its options and these (ownership) labels. */
    void createNetwork(NetworkSpec network, Map<String, String> labels) throws EngineException;

    /** Removes a network by name. Missing is not an error. */
    void removeNetwork(String name) throws EngineException;

    /**
     * Creates the container for a service and returns its id. Its anonymous volumes (the
     * spec's {@code volumes: ["/data"]} and the image's {@code VOLUME}s) are the ones in
     * {@code inheritedVolumes} (destination to volume name, from the container it replaces, as
     * Compose does), else new ones labelled with the service, so they are never lost track of.
     */
    String createContainer(ServiceSpec spec, Map<String, String> inheritedVolumes, Map<String, String> labels)
            throws EngineException;

    void start(String containerId) throws EngineException;

    void stop(String containerId, Duration grace) throws EngineException;

    /** Removes a container (stopped or not); never its volumes. Missing is not an error. */
    void remove(String containerId) throws EngineException;

    /** Gives a container another name (a name held by another container is an error). */
    void rename(String containerId, String newName) throws EngineException;

    EngineInfo info() throws EngineException;

    /** Opens the follower of container logs; one per agent. */
    LogStreams openLogStreams(LogStreams.Sink sink) throws EngineException;

    /**
     * Follows the engine's event stream for managed containers; {@code onEvent} gets each,
     * with deaths (exit code, out of memory) and health changes read out. When the stream
     * breaks, {@code onBroken} is called once and the caller decides when to watch again.
     */
    AutoCloseable watch(Consumer<EngineEvent> onEvent, Consumer<Throwable> onBroken);

    /**
     * Reads a container's log: {@code onLine} gets each line, {@code onEnd} is called once when
     * the log ends (null) or breaks. Close the result to stop following; each open read holds
     * one engine stream (and thread) until then, so callers keep their number bounded.
     */
    AutoCloseable logs(String containerId, LogQuery query, Consumer<LogLine> onLine, Consumer<Throwable> onEnd)
            throws EngineException;

    /** Loads images from a {@code docker save} stream (already checked by the caller); returns what the engine said. */
    String loadImages(java.io.InputStream dockerSave) throws EngineException;

    @Override
    void close();
}
