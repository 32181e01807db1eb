package io.berth.reconcile;

import io.berth.config.ConfigLoader;
import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import io.berth.engine.LocalImage;
import io.berth.engine.PullProgress;
import io.berth.model.RegistryAuth;
import io.berth.plan.Step;
import io.berth.registry.ManifestSizes;
import io.berth.store.PulledImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.tinylog.Logger;

/**
 * How a {@link Step.PullImage} is done: check the free disk of the engine's data root first
 * (collecting unused images Berth pulled when it is short), pull with {@code pull-progress} events
 * at most once a second per image, and record what the pull brought for image GC.
 */
final class ImagePulls {
    private static final long MIB = 1024 * 1024;

    private final Engine engine;
    private final StatusReporter reporter;
    private final PullThrottle throttle;
    /** Null: no disk check, no record (a reconciler built without {@link ImageSettings}). */
    private final ImageSettings settings;
    private final PulledImages pulled;
    private final ImageCollector collector;
    private final ToLongFunction<Path> usableSpace;
    private final ImageSizes imageSizes;

    /** The download size of an image before its pull, where its registry tells. */
    interface ImageSizes {
        OptionalLong size(String image, RegistryAuth auth, String platform);
    }

    private volatile long revision;
    private volatile Set<String> keep = Set.of();
    private volatile Path dataRoot;
    private volatile boolean dataRootMissingLogged;

    ImagePulls(Engine engine, StatusReporter reporter, Clock clock, ImageSettings settings) {
        this(engine, reporter, clock, settings, ImagePulls::usableBytes, new ManifestSizes(5000)::size);
    }

    ImagePulls(Engine engine, StatusReporter reporter, Clock clock, ImageSettings settings,
               ToLongFunction<Path> usableSpace, ImageSizes imageSizes) {
        this.imageSizes = imageSizes;
        this.engine = engine;
        this.reporter = reporter;
        this.throttle = new PullThrottle(clock, Duration.ofSeconds(1));
        this.settings = settings;
        this.pulled = settings == null ? null : new PulledImages(settings.stateDir());
        this.collector = pulled == null ? null : new ImageCollector(engine, pulled, reporter);
        this.usableSpace = usableSpace;
    }

    /**
     * The revision being applied (for the events) and the image references GC must keep while it is
     * (the current and the rollback revision's). Call before each batch.
     */
    void target(long revision, Set<String> keep) {
        this.revision = revision;
        this.keep = Set.copyOf(keep);
    }

    /** The collector, or null without {@link ImageSettings}. */
    ImageCollector collector() {
        return collector;
    }

    /**
     * The image references GC keeps: those of the target revision, the accepted one and the last
     * good one (the way back while a revision is on trial). Images of kept containers are in
     * use, which the collector never touches anyway.
     */
    static Set<String> imagesOf(io.berth.model.DesiredState... states) {
        Set<String> keep = new java.util.HashSet<>();
        for (io.berth.model.DesiredState state : states) {
            if (state != null) {
                state.services().values().forEach(spec -> keep.add(spec.image()));
            }
        }
        return keep;
    }

    /** Image GC after a revision converged: removes the images Berth pulled that nothing needs any more. */
    void collect(long revision, Set<String> keep) {
        if (collector != null) {
            collector.collect(revision, keep);
        }
    }

    /** Pulls one image for one service; an image already present is pulled too ("up to date"). */
    void pull(Step.PullImage step) throws EngineException {
        String image = step.image();
        ensureSpace(step);
        LocalImage before = pulled == null ? null : engine.image(image);
        long rev = revision;
        engine.pull(image, step.auth(), progress -> {
            if (progress.totalBytes() > 0 && throttle.tryAcquire(image)) {
                reporter.pullProgress(rev, step.service(), "pulling " + image + ": " + describe(progress),
                        progress.bytes(), progress.totalBytes());
            }
        });
        if (pulled != null) {
            remember(image, before);
        }
    }

    /** Records the pulled image unless it was here already with the same id (pre-existing or loaded). */
    private void remember(String image, LocalImage before) throws EngineException {
        LocalImage after = engine.image(image);
        if (after == null || (before != null && before.id().equals(after.id()))) {
            return;
        }
        try {
            pulled.add(after.id(), image);
        } catch (IOException e) {
            Logger.warn("cannot record pulled image {} in {} ({}); it will not be collected when unused", image,
                    PulledImages.FILE, e.getMessage());
        }
    }

    /** Fails the pull (retryable) when the data root is short of space even after image GC. */
    private void ensureSpace(Step.PullImage step) throws EngineException {
        String image = step.image();
        if (settings == null) {
            return;
        }
        Path root = dataRoot();
        if (root == null) {
            return;
        }
        OptionalLong size = imageSizes.size(step.image(), step.auth(), settings.platform());
        long need = settings.pullFloorBytes() + size.orElse(0);
        long free = usableSpace.applyAsLong(root);
        if (free >= need) {
            return;
        }
        Logger.info("{} MiB free on {}, a pull of {} needs {} MiB: collecting unused images", free / MIB, root,
                image, need / MIB);
        collector.collect(revision, keep);
        free = usableSpace.applyAsLong(root);
        if (free >= need) {
            return;
        }
        throw EngineException.retryable(shortOfDisk(image, size, settings.pullFloorBytes(), free, root), null);
    }

    /** The message of a pull refused for want of disk: what, why, what to do. */
    static String shortOfDisk(String image, OptionalLong size, long floor, long free, Path root) {
        String need = size.isPresent()
                ? mib(size.getAsLong() + floor) + " MiB (" + mib(size.getAsLong()) + " MiB the image, from its "
                + "registry's manifest, and " + mib(floor) + " MiB disk.pullFloor)"
                : mib(floor) + " MiB (disk.pullFloor; the image's size is not known before the pull)";
        return "not enough disk for " + image + ": need " + need + ", " + free / MIB + " MiB free on " + root
                + " after removing unused images Berth pulled; free space on the device, or lower disk.pullFloor ("
                + ConfigLoader.envName("disk.pullFloor") + "); Berth tries again on its own";
    }

    /** Whole MiB, rounded up: a need is never understated. */
    private static long mib(long bytes) {
        return (bytes + MIB - 1) / MIB;
    }

    private Path dataRoot() throws EngineException {
        Path root = dataRoot;
        if (root == null) {
            root = Path.of(engine.dataRoot());
            dataRoot = root;
        }
        if (!Files.isDirectory(root)) {
            if (!dataRootMissingLogged) {
                dataRootMissingLogged = true;
                Logger.info("the engine's data root {} is not on this host: free disk is not checked before pulls",
                        root);
            }
            return null;
        }
        return root;
    }

    private static long usableBytes(Path path) {
        try {
            return Files.getFileStore(path).getUsableSpace();
        } catch (IOException e) {
            Logger.debug("cannot read the free space of {}: {}", path, e.getMessage());
            return Long.MAX_VALUE; // unknown: do not block pulls on a failed statvfs
        }
    }

    static String describe(PullProgress progress) {
        return String.format(java.util.Locale.ROOT, "%.1f of %.1f MiB", progress.bytes() / (double) MIB,
                progress.totalBytes() / (double) MIB);
    }
}
