package io.berth.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import io.berth.model.ImageRef;
import io.berth.reconcile.Reconciler;
import io.berth.sideload.ArchiveSource;
import io.berth.sideload.ImageArchive;
import io.berth.sideload.LoadStream;
import io.berth.sideload.Spool;
import io.berth.spec.DocumentParser;
import io.berth.spec.ParsedDocument;
import io.berth.spec.SpecError;
import io.berth.store.StateStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.tinylog.Logger;

/**
 * {@code berth load}: images brought to the device by hand, as a docker save archive or a Berth
 * bundle, instead of pulled. The archive the CLI streams over the control socket is spooled in
 * the state dir, checked whole, and only then loaded into the engine; a bundle's document is
 * vetted first (signature, target, policy, revision) as MQTT would vet it, and only the tags it
 * references are loaded. A load shares the bound of the log reads (it is as heavy as one), and
 * ends with a reconcile pass, so services that waited for the images start.
 */
final class Sideloads {
    /** Free space a sideload spool leaves on the state dir's disk. */
    private static final long SPOOL_FLOOR = 64L << 20;

    private final Engine engine;
    private final DocumentIntake intake;
    private final StateStore store;
    private final Reconciler reconciler;
    private final ReconcileThread thread;
    private final LogReads logReads;

    Sideloads(Engine engine, DocumentIntake intake, StateStore store, Reconciler reconciler, ReconcileThread thread,
              LogReads logReads) {
        this.engine = engine;
        this.intake = intake;
        this.store = store;
        this.reconciler = reconciler;
        this.thread = thread;
        this.logReads = logReads;
    }

    /**
     * Loads the images of a sideload archive (a docker save archive or a Berth bundle), after
     * checking it whole; nothing reaches the engine when the check fails. A bundle's document is
     * vetted first (signature, target, policy, revision) and only the tags it references are
     * loaded, each pinned to the config the archive's manifest gives it; with trusted keys, a
     * plain archive (no document to vet) loads nothing. Returns what was loaded, and for a bundle
     * its desired document (which the caller applies).
     */
    ImageArchive.Contents load(ArchiveSource source) throws ActionException {
        ImageArchive.Contents contents;
        try {
            contents = ImageArchive.check(source);
        } catch (IOException e) {
            throw new ActionException(e.getMessage(), e);
        }
        Set<String> allowed = contents.bundle() ? bundleImages(contents) : null;
        if (!contents.bundle() && intake.signaturesRequired()) {
            throw new ActionException("refused: this device takes only signed documents, and a plain image archive "
                    + "has none that could say which images it may tag; nothing was loaded: build a bundle with a "
                    + "signed document (berth bundle create) instead");
        }
        var images = LoadStream.pinned(contents, allowed);
        if (!logReads.tryAcquire()) { // a load is as heavy as a log request: share the bound
            throw new ActionException("the agent is busy streaming to the engine; try again in a moment");
        }
        try (InputStream rebuilt = LoadStream.open(source, contents.bundle(), images)) {
            if (!images.isEmpty()) {
                engine.loadImages(rebuilt);
            }
        } catch (IOException | EngineException e) {
            throw new ActionException("loading " + source.name() + " into the engine failed: " + e.getMessage(), e);
        } finally {
            logReads.release();
        }
        List<String> tags = new ArrayList<>();
        images.forEach(i -> tags.addAll(i.tags()));
        Logger.info("loaded {} image(s) from {}: {}", tags.size(), source.name(), tags);
        reconciler.requestPass();
        return new ImageArchive.Contents(tags, contents.layers(), contents.document(), contents.meta(), images);
    }

    /**
     * Takes an archive the CLI streams over the control socket into the agent's own spool (its
     * state dir, mode 0600, unlinked at once), so it is checked and loaded from the same bytes.
     */
    Spool receive(InputStream in, long size) throws ActionException {
        Path dir = store.dir().resolve("spool");
        try {
            Files.createDirectories(dir);
            long free = Files.getFileStore(dir).getUsableSpace();
            if (size > free - SPOOL_FLOOR) {
                throw new ActionException("the archive (" + size + " bytes) does not fit in " + dir + " ("
                        + free + " bytes free, " + SPOOL_FLOOR + " kept): free space, then try again");
            }
            return Spool.receive(in, size, dir);
        } catch (IOException e) {
            throw new ActionException("cannot take the archive: " + e.getMessage(), e);
        }
    }

    /** The images a bundle's document references, after the document passed everything this device checks. */
    private Set<String> bundleImages(ImageArchive.Contents contents) throws ActionException {
        List<SpecError> refused = thread.run("check the bundle's document", () -> intake.vet(contents.document()));
        if (!refused.isEmpty()) {
            throw new ActionException("refused: the bundle's document is not one this device takes, so none of its "
                    + "images was loaded: " + refused.get(0) + (refused.size() > 1 ? " (and " + (refused.size() - 1)
                    + " more)" : ""));
        }
        JsonNode doc = contents.document().deepCopy();
        if (doc instanceof ObjectNode object && !object.has("revision")) {
            object.put("revision", 1);
        }
        Set<String> images = new TreeSet<>();
        if (DocumentParser.parse(doc) instanceof ParsedDocument.Valid valid) {
            for (var service : valid.state().services().values()) {
                images.add(service.image());
                if (!service.image().contains("@")) { // docker save writes busybox as busybox:latest
                    images.add(ImageRef.repositoryOf(service.image()) + ":" + ImageRef.tagOf(service.image()));
                }
            }
        }
        return images;
    }
}
