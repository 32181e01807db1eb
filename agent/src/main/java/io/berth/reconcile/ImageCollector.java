package io.berth.reconcile;

import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import io.berth.engine.LocalImage;
import io.berth.model.ImageRef;
import io.berth.store.PulledImages;
import java.io.IOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.tinylog.Logger;

/**
 * Image GC: removes images this agent pulled ({@link PulledImages}) that no container uses and
 * that no reference to keep names (the current and the rollback revision's images). Never an
 * image it did not pull, never one another repository also names, never forced.
 */
final class ImageCollector {
    private static final long MIB = 1024 * 1024;

    private final Engine engine;
    private final PulledImages pulled;
    private final StatusReporter reporter;

    ImageCollector(Engine engine, PulledImages pulled, StatusReporter reporter) {
        this.engine = engine;
        this.pulled = pulled;
        this.reporter = reporter;
    }

    /**
     * Removes every collectable image; returns the bytes freed (the removed images' sizes).
     *
     * @param revision the revision the {@code removed} events carry
     * @param keep     image references that must stay (the current and the rollback revision's)
     */
    public synchronized long collect(long revision, Set<String> keep) {
        Map<String, String> candidates = pulled.all();
        if (candidates.isEmpty()) {
            return 0;
        }
        long freed = 0;
        try {
            Set<String> keepIds = new HashSet<>(engine.imagesInUse());
            for (String reference : keep) {
                LocalImage image = engine.image(reference);
                if (image != null) {
                    keepIds.add(image.id());
                }
            }
            for (Map.Entry<String, String> entry : candidates.entrySet()) {
                String id = entry.getKey();
                String reference = entry.getValue();
                if (keepIds.contains(id)) {
                    continue;
                }
                LocalImage image = engine.image(id);
                if (image == null) {
                    forget(id); // removed by someone else
                    continue;
                }
                if (!image.tags().stream().allMatch(tag -> sameName(tag, reference))) {
                    // someone gave it a name of their own (docker tag): theirs now too; the record keeps it
                    Logger.debug("image {} stays: also tagged {}", reference, image.tags());
                    continue;
                }
                if (engine.removeImage(id)) {
                    forget(id);
                    freed += image.sizeBytes();
                    String message = "removed image " + reference + " (freed " + image.sizeBytes() / MIB + " MiB)";
                    Logger.info("{}: pulled by Berth, used by no container and by neither the current nor the "
                            + "rollback revision", message);
                    reporter.event(revision, EventType.REMOVED, null, message);
                }
            }
        } catch (EngineException e) {
            Logger.warn("image collection stopped: {}", e.getMessage());
        }
        return freed;
    }

    /** Whether the engine's tag names the reference Berth pulled ({@code busybox} is {@code docker.io/library/busybox:latest}). */
    static boolean sameName(String tag, String reference) {
        return normalized(tag).equals(normalized(reference));
    }

    private static String normalized(String reference) {
        String r = reference;
        if (r.indexOf('@') < 0 && ImageRef.tagOf(r).equals("latest") && !r.endsWith(":latest")) {
            r = r + ":latest";
        }
        if (r.startsWith("docker.io/")) {
            r = r.substring("docker.io/".length());
        }
        if (r.startsWith("library/")) {
            r = r.substring("library/".length());
        }
        return r;
    }

    private void forget(String id) {
        try {
            pulled.remove(id);
        } catch (IOException e) {
            Logger.warn("cannot update {} in the state dir: {}", PulledImages.FILE, e.getMessage());
        }
    }
}
