package io.berth.it;

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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A container engine in memory, for the fleet simulator: containers, volumes, networks and images
 * are entries in maps; a pull takes no time and every image exists; a started container runs until
 * stopped. Only the engine is simulated: the agent's reconciler, intake, reporter and link run as
 * they do on a device. Events go to the watcher as the real engine's would, so the loop reacts.
 */
final class MemoryEngine implements Engine {
    private record Box(String id, String name, Map<String, String> labels, ServiceSpec spec, String status,
                       String startedAt, int restarts) {
        Box with(String newStatus, String newStartedAt) {
            return new Box(id, name, labels, spec, newStatus, newStartedAt, restarts);
        }
    }

    private static final AtomicLong IDS = new AtomicLong();
    private final Map<String, String> ownership;
    private final Map<String, Box> containers = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> volumes = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> networks = new LinkedHashMap<>();
    private final Map<String, String> images = new HashMap<>();
    private volatile Consumer<EngineEvent> watcher = e -> { };

    MemoryEngine(Map<String, String> ownership) {
        this.ownership = ownership;
    }

    @Override
    public synchronized ObservedState observe(Set<String> wanted, Set<String> containerNames, Set<String> volumeNames) {
        List<ObservedContainer> list = new ArrayList<>();
        for (Box b : containers.values()) {
            boolean managed = Labels.owned(b.labels(), ownership);
            if (managed || containerNames.contains(b.name())) {
                list.add(new ObservedContainer(b.id(), b.name(), managed, b.labels().get(Labels.SERVICE),
                        b.labels().get(Labels.HASH), Long.parseLong(b.labels().getOrDefault(Labels.REVISION, "0")),
                        ContainerStatus.of(b.status()), Health.NONE, "exited".equals(b.status()) ? 0 : null, b.startedAt(), b.restarts(),
                        b.spec().image(), images.get(b.spec().image()), false));
            }
        }
        Map<String, ObservedVolume> vols = new LinkedHashMap<>();
        volumes.forEach((name, labels) -> {
            boolean managed = Labels.owned(labels, ownership);
            if (managed || volumeNames.contains(name)) {
                vols.put(name, new ObservedVolume(name, managed, labels.get(Labels.SERVICE)));
            }
        });
        Map<String, String> ids = new HashMap<>();
        wanted.forEach(image -> {
            if (images.containsKey(image)) {
                ids.put(image, images.get(image));
            }
        });
        Map<String, ObservedNetwork> nets = new LinkedHashMap<>();
        networks.forEach((name, labels) -> nets.put(name, new ObservedNetwork(name, Labels.owned(labels, ownership),
                !containers.isEmpty())));
        return new ObservedState(list, vols, ids, nets);
    }

    @Override
    public synchronized void pull(String image, RegistryAuth auth, Consumer<PullProgress> progress) {
        images.putIfAbsent(image, "sha256:" + Integer.toHexString(image.hashCode()));
    }

    @Override
    public synchronized LocalImage image(String reference) {
        String id = images.containsKey(reference) ? images.get(reference) : images.containsValue(reference)
                ? reference : null;
        return id == null ? null : new LocalImage(id, 1 << 20, List.of(reference));
    }

    @Override
    public synchronized Set<String> imagesInUse() {
        Set<String> used = new java.util.HashSet<>();
        containers.values().forEach(b -> used.add(images.get(b.spec().image())));
        return used;
    }

    @Override
    public synchronized boolean removeImage(String imageId) {
        if (imagesInUse().contains(imageId)) {
            return false;
        }
        images.values().removeIf(imageId::equals);
        return true;
    }

    @Override
    public String dataRoot() {
        return "/";
    }

    @Override
    public synchronized void createVolume(VolumeSpec volume, Map<String, String> labels) {
        volumes.putIfAbsent(volume.name(), Map.copyOf(labels));
    }

    @Override
    public synchronized void removeVolume(String name) {
        volumes.remove(name);
    }

    /** Simulated volumes have no driver options: nothing binds a host path. */
    @Override
    public synchronized Map<String, String> volumeOptions(String name) {
        return Map.of();
    }

    @Override
    public synchronized void createNetwork(NetworkSpec network, Map<String, String> labels) {
        networks.putIfAbsent(network.name(), Map.copyOf(labels));
    }

    @Override
    public synchronized void removeNetwork(String name) {
        networks.remove(name);
    }

    @Override
    public synchronized String createContainer(ServiceSpec spec, Map<String, String> inheritedVolumes,
                                               Map<String, String> labels) throws EngineException {
        String name = spec.containerName() != null ? spec.containerName() : spec.name();
        if (containers.values().stream().anyMatch(b -> b.name().equals(name))) {
            throw EngineException.retryable("a container named " + name + " exists", null);
        }
        String id = Long.toHexString(0x1000_0000_0000L + IDS.incrementAndGet());
        containers.put(id, new Box(id, name, Map.copyOf(labels), spec, "created", null, 0));
        return id;
    }

    @Override
    public void start(String containerId) throws EngineException {
        change(containerId, "running", Instant.now().toString(), "start");
    }

    @Override
    public void stop(String containerId, Duration grace) throws EngineException {
        change(containerId, "exited", null, "die");
    }

    private void change(String id, String status, String startedAt, String action) throws EngineException {
        Box box;
        synchronized (this) {
            box = containers.get(id);
            if (box == null) {
                throw EngineException.retryable("no container " + id, null);
            }
            box = box.with(status, startedAt != null ? startedAt : box.startedAt());
            containers.put(id, box);
        }
        watcher.accept(new EngineEvent(id, box.labels().get(Labels.SERVICE), action));
    }

    @Override
    public synchronized void remove(String containerId) {
        containers.remove(containerId);
    }

    @Override
    public synchronized void rename(String containerId, String newName) throws EngineException {
        Box b = containers.get(containerId);
        if (b == null) {
            throw EngineException.retryable("no container " + containerId, null);
        }
        containers.put(containerId, new Box(b.id(), newName, b.labels(), b.spec(), b.status(), b.startedAt(),
                b.restarts()));
    }

    @Override
    public EngineInfo info() {
        return new EngineInfo("memory", "1.41", "x86_64");
    }

    @Override
    public LogStreams openLogStreams(LogStreams.Sink sink) throws EngineException {
        throw EngineException.terminal("the simulated engine keeps no logs", null);
    }

    @Override
    public AutoCloseable watch(Consumer<EngineEvent> onEvent, Consumer<Throwable> onBroken) {
        watcher = onEvent;
        return () -> watcher = e -> { };
    }

    @Override
    public AutoCloseable logs(String containerId, LogQuery query, Consumer<LogLine> onLine, Consumer<Throwable> onEnd) {
        onLine.accept(new LogLine(Instant.now().toString(), "stdout", "simulated container " + containerId));
        onEnd.accept(null);
        return () -> { };
    }

    @Override
    public String loadImages(java.io.InputStream dockerSave) throws EngineException {
        throw EngineException.terminal("the simulated engine loads no images", null);
    }

    @Override
    public void close() {
        watcher = e -> { };
    }
}
