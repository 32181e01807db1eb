package io.berth.reconcile;

import io.berth.engine.Engine;
import io.berth.engine.EngineEvent;
import io.berth.engine.EngineException;
import io.berth.engine.EngineInfo;
import io.berth.engine.LocalImage;
import io.berth.engine.LogLine;
import io.berth.engine.LogQuery;
import io.berth.engine.LogStreams;
import io.berth.engine.PullProgress;
import io.berth.model.ContainerStatus;
import io.berth.model.Health;
import io.berth.model.Labels;
import io.berth.model.NetworkSpec;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedNetwork;
import io.berth.model.ObservedState;
import io.berth.model.ObservedVolume;
import io.berth.model.RegistryAuth;
import io.berth.model.ServiceSpec;
import io.berth.model.VolumeSpec;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * An engine in memory, for reconcile tests without a daemon: containers with names, labels and
 * states, images a pull brings from a "registry", volumes and networks. What a started container
 * does is up to the test ({@link #exitsOnStart}); every call is recorded in {@link #calls}.
 */
public final class FakeEngine implements Engine {
    private final Clock clock;
    private final Map<String, Map<String, Object>> containers = new LinkedHashMap<>();
    private final Map<String, String> images = new HashMap<>();
    private final Map<String, ObservedVolume> volumes = new LinkedHashMap<>();
    private final Map<String, ObservedNetwork> networks = new LinkedHashMap<>();
    /** Images a pull can bring: reference to id. */
    public final Map<String, String> registry = new HashMap<>();
    /** Images whose containers exit with code 1 as soon as they start. */
    public final Set<String> exitsOnStart = new java.util.HashSet<>();
    /** What every engine call was, in order: {@code pull img:1}, {@code start c2}, … */
    public final List<String> calls = new ArrayList<>();
    /** Runs inside every pull (a test moves its clock here: a slow pull). */
    public volatile Runnable duringPull = () -> { };
    /** Calls ({@code pull img:1}) that fail once, retryably (a registry away, say). */
    public final Set<String> failOnce = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** While set, every call fails as an engine away would. */
    public volatile boolean down;
    private int ids;

    public FakeEngine(Clock clock) {
        this.clock = clock;
    }

    private void check(String call) throws EngineException {
        if (down) {
            throw EngineException.retryable(call + " failed: cannot reach the engine (fake: down)", null);
        }
        calls.add(call);
        if (failOnce.remove(call)) {
            throw EngineException.retryable(call + " failed: the registry is away (fake)", null);
        }
    }

    @Override
    public synchronized ObservedState observe(Set<String> wanted, Set<String> names, Set<String> volumeNames)
            throws EngineException {
        if (down) {
            throw EngineException.retryable("cannot reach the engine (fake: down)", null);
        }
        List<ObservedContainer> list = new ArrayList<>();
        containers.forEach((id, c) -> list.add(observed(id, c)));
        Map<String, String> present = new HashMap<>();
        wanted.forEach(i -> {
            if (images.containsKey(i)) {
                present.put(i, images.get(i));
            }
        });
        return new ObservedState(list, volumes, present, networks);
    }

    private static ObservedContainer observed(String id, Map<String, Object> c) {
        @SuppressWarnings("unchecked")
        Map<String, String> labels = (Map<String, String>) c.get("labels");
        return new ObservedContainer(id, (String) c.get("name"), true, labels.get(Labels.SERVICE),
                labels.get(Labels.HASH), Long.parseLong(labels.getOrDefault(Labels.REVISION, "0")),
                (ContainerStatus) c.get("status"), (Health) c.get("health"), (Integer) c.get("exitCode"),
                (String) c.get("startedAt"), 0, (String) c.get("image"), (String) c.get("imageId"), false);
    }

    /** The containers now: name to image. */
    public synchronized Map<String, String> containers() {
        Map<String, String> byName = new java.util.TreeMap<>();
        containers.values().forEach(c -> byName.put((String) c.get("name"), (String) c.get("image")));
        return byName;
    }

    public synchronized String idOf(String name) {
        return containers.entrySet().stream().filter(e -> name.equals(e.getValue().get("name")))
                .map(Map.Entry::getKey).findFirst().orElse(null);
    }

    public synchronized ContainerStatus statusOf(String name) {
        String id = idOf(name);
        return id == null ? null : (ContainerStatus) containers.get(id).get("status");
    }

    /** The healthcheck of a container says so now. */
    public synchronized void setHealth(String name, Health health) {
        containers.get(idOf(name)).put("health", health);
    }

    public synchronized void addImage(String reference) {
        images.put(reference, "sha256:" + Integer.toHexString(reference.hashCode()));
    }

    @Override
    public void pull(String image, RegistryAuth auth, Consumer<PullProgress> progress) throws EngineException {
        synchronized (this) {
            check("pull " + image);
            if (!registry.containsKey(image)) {
                throw EngineException.terminal("pull " + image + " failed: not found", null);
            }
        }
        duringPull.run();
        synchronized (this) {
            images.put(image, registry.get(image));
        }
    }

    @Override
    public synchronized String createContainer(ServiceSpec spec, Map<String, String> inherited,
                                               Map<String, String> labels) throws EngineException {
        check("create " + spec.containerName());
        if (idOf(spec.containerName()) != null) {
            throw EngineException.retryable("create " + spec.containerName() + " failed: the name is taken", null);
        }
        String id = "c" + ++ids;
        Map<String, Object> c = new HashMap<>();
        c.put("name", spec.containerName());
        c.put("labels", Map.copyOf(labels));
        c.put("status", ContainerStatus.CREATED);
        c.put("health", Health.NONE);
        c.put("image", spec.image());
        c.put("imageId", images.get(spec.image()));
        c.put("healthcheck", spec.options().healthcheck() != null);
        containers.put(id, c);
        return id;
    }

    @Override
    public synchronized void start(String id) throws EngineException {
        check("start " + id);
        Map<String, Object> c = containers.get(id);
        if (c == null) {
            throw EngineException.retryable("start " + id + " failed: no such container", null);
        }
        c.put("startedAt", clock.instant().toString());
        if (exitsOnStart.contains((String) c.get("image"))) {
            c.put("status", ContainerStatus.EXITED);
            c.put("exitCode", 1);
        } else {
            c.put("status", ContainerStatus.RUNNING);
            c.put("exitCode", null);
            c.put("health", Boolean.TRUE.equals(c.get("healthcheck")) ? Health.STARTING : Health.NONE);
        }
    }

    @Override
    public synchronized void stop(String id, Duration grace) throws EngineException {
        check("stop " + id);
        Map<String, Object> c = containers.get(id);
        if (c != null && ((ContainerStatus) c.get("status")).up()) {
            c.put("status", ContainerStatus.EXITED);
            c.put("exitCode", 0);
        }
    }

    @Override
    public synchronized void remove(String id) throws EngineException {
        check("remove " + id);
        containers.remove(id);
    }

    @Override
    public synchronized void rename(String id, String newName) throws EngineException {
        check("rename " + id + " " + newName);
        if (idOf(newName) != null) {
            throw EngineException.retryable("rename failed: the name is taken", null);
        }
        containers.get(id).put("name", newName);
    }

    @Override
    public synchronized void createVolume(VolumeSpec volume, Map<String, String> labels) throws EngineException {
        check("create volume " + volume.name());
        volumes.put(volume.name(), new ObservedVolume(volume.name(), true, labels.get(Labels.SERVICE)));
    }

    @Override
    public Map<String, String> volumeOptions(String name) {
        return Map.of();
    }

    @Override
    public synchronized void removeVolume(String name) throws EngineException {
        check("remove volume " + name);
        volumes.remove(name);
    }

    @Override
    public synchronized void createNetwork(NetworkSpec network, Map<String, String> labels) throws EngineException {
        check("create network " + network.name());
        networks.put(network.name(), new ObservedNetwork(network.name(), true, false));
    }

    @Override
    public synchronized void removeNetwork(String name) throws EngineException {
        check("remove network " + name);
        networks.remove(name);
    }

    @Override
    public EngineInfo info() throws EngineException {
        if (down) {
            throw EngineException.retryable("cannot reach the engine (fake: down)", null);
        }
        return new EngineInfo("20.10.24", "1.41", "x86_64");
    }

    @Override
    public LocalImage image(String reference) {
        return null;
    }

    @Override
    public Set<String> imagesInUse() {
        return Set.of();
    }

    @Override
    public boolean removeImage(String imageId) {
        return false;
    }

    @Override
    public String dataRoot() {
        return "/";
    }

    @Override
    public LogStreams openLogStreams(LogStreams.Sink sink) {
        throw new UnsupportedOperationException();
    }

    @Override
    public AutoCloseable watch(Consumer<EngineEvent> onEvent, Consumer<Throwable> onBroken) {
        return () -> { };
    }

    @Override
    public AutoCloseable logs(String id, LogQuery query, Consumer<LogLine> onLine, Consumer<Throwable> onEnd) {
        throw new UnsupportedOperationException();
    }

    @Override
    public String loadImages(InputStream dockerSave) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
