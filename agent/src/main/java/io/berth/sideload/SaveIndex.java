package io.berth.sideload;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.sideload.ImageArchive.Image;
import io.berth.sideload.ImageArchive.InvalidArchiveException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * One pass over a docker save stream: the SHA-256 of every entry, hashed as it streams by, and
 * {@code manifest.json}; nothing else is held. Then {@link #checkConfigs} reads the configs the
 * manifest names from a second pass, one at a time, and checks every layer against them.
 */
final class SaveIndex {
    private static final int MAX_NAME = 256;

    private final String where;
    private final Map<String, String> digests;
    private final byte[] manifest;

    private SaveIndex(String where, Map<String, String> digests, byte[] manifest) {
        this.where = where;
        this.digests = digests;
        this.manifest = manifest;
    }

    static SaveIndex read(String where, TarArchiveInputStream tar, TarArchiveEntry first) throws IOException {
        Map<String, String> digests = new HashMap<>();
        byte[] manifest = null;
        long[] length = new long[1];
        for (TarArchiveEntry e = first; e != null; e = tar.getNextEntry()) {
            if (!e.isFile()) {
                continue;
            }
            String name = ImageArchive.plain(e.getName());
            if (name.length() > MAX_NAME || digests.size() >= ImageArchive.MAX_ENTRIES) {
                throw new InvalidArchiveException(where + " is not a docker save archive (" + (name.length() > MAX_NAME
                        ? "an entry name of " + name.length() + " characters" : "more than " + ImageArchive.MAX_ENTRIES
                        + " entries") + "); nothing was loaded");
            }
            if (digests.containsKey(name)) {
                throw new InvalidArchiveException(where + " holds " + name + " twice: what is checked might not be "
                        + "what the engine reads; nothing was loaded");
            }
            if (name.equals("manifest.json")) {
                manifest = ImageArchive.readSmall(tar, name);
                digests.put(name, HexFormat.of().formatHex(ImageArchive.sha256().digest(manifest)));
                continue;
            }
            String digest = ImageArchive.hash(tar, length);
            if (length[0] != e.getSize()) {
                throw new InvalidArchiveException(where + ": " + name + " is incomplete (" + length[0] + " of "
                        + e.getSize() + " bytes); nothing was loaded");
            }
            digests.put(name, digest);
        }
        if (manifest == null) {
            throw new InvalidArchiveException(where + " has no manifest.json: it is not a 'docker save' archive, or "
                    + "it is incomplete; nothing was loaded");
        }
        return new SaveIndex(where, digests, manifest);
    }

    /** The images of the manifest, each config read (second pass) and matched, each layer matched to its config. */
    static List<Image> checkConfigs(ArchiveSource source, boolean bundle, SaveIndex index) throws IOException {
        JsonNode manifest = ImageArchive.JSON.readTree(index.manifest);
        String where = index.where;
        if (manifest == null || !manifest.isArray() || manifest.isEmpty()) {
            throw new InvalidArchiveException(where + ": manifest.json lists no image; nothing was loaded");
        }
        Map<String, List<String>> diffIds = new LinkedHashMap<>();
        for (JsonNode image : manifest) {
            String config = image.path("Config").asText();
            if (!index.digests.containsKey(config)) {
                throw new InvalidArchiveException(where + ": the image config " + config + " is missing; nothing was "
                        + "loaded");
            }
            String expected = config.replaceFirst("^blobs/sha256/", "").replaceFirst("\\.json$", "");
            if (expected.matches("[0-9a-f]{64}") && !expected.equals(index.digests.get(config))) {
                throw new InvalidArchiveException(where + ": the image config " + config + " does not match its "
                        + "digest (the archive was changed); nothing was loaded");
            }
            diffIds.put(config, null);
        }
        readConfigs(source, bundle, index, diffIds);
        List<Image> images = new ArrayList<>();
        for (JsonNode image : manifest) {
            String config = image.path("Config").asText();
            List<String> ids = diffIds.get(config);
            JsonNode layerNames = image.path("Layers");
            if (ids == null || ids.size() != layerNames.size()) {
                throw new InvalidArchiveException(where + ": the manifest names " + layerNames.size() + " layers for "
                        + config + ", its config " + (ids == null ? "none" : ids.size()) + "; nothing was loaded");
            }
            List<String> layers = new ArrayList<>();
            for (int i = 0; i < layerNames.size(); i++) {
                String layer = layerNames.get(i).asText();
                String digest = index.digests.get(layer);
                if (digest == null) {
                    throw new InvalidArchiveException(where + ": layer " + layer + " is missing; nothing was loaded");
                }
                if (!("sha256:" + digest).equals(ids.get(i))) {
                    throw new InvalidArchiveException(where + ": layer " + layer + " does not match its digest "
                            + ids.get(i) + " (the archive was changed or damaged); nothing was loaded");
                }
                layers.add(layer);
            }
            List<String> tags = new ArrayList<>();
            image.path("RepoTags").forEach(tag -> tags.add(tag.asText()));
            images.add(new Image(config, index.digests.get(config), tags, layers));
        }
        return images;
    }

    /** Second pass: each wanted config, read alone, hashed again (the same bytes) and its diff_ids kept. */
    private static void readConfigs(ArchiveSource source, boolean bundle, SaveIndex index,
                                    Map<String, List<String>> diffIds) throws IOException {
        try (InputStream in = ImageArchive.open(source); TarArchiveInputStream outer = new TarArchiveInputStream(in)) {
            TarArchiveInputStream tar = outer;
            if (bundle) {
                TarArchiveEntry e = outer.getNextEntry();
                while (e != null && !ImageArchive.plain(e.getName()).equals(ImageArchive.BUNDLE_IMAGES)) {
                    e = outer.getNextEntry();
                }
                tar = new TarArchiveInputStream(new ImageArchive.NonClosing(outer));
            }
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                String name = ImageArchive.plain(e.getName());
                if (!e.isFile() || !diffIds.containsKey(name) || diffIds.get(name) != null) {
                    continue;
                }
                byte[] config = ImageArchive.readSmall(tar, name);
                if (!HexFormat.of().formatHex(ImageArchive.sha256().digest(config)).equals(index.digests.get(name))) {
                    throw new InvalidArchiveException(index.where + ": " + name + " changed between two reads; "
                            + "nothing was loaded");
                }
                List<String> ids = new ArrayList<>();
                ImageArchive.JSON.readTree(config).path("rootfs").path("diff_ids").forEach(d -> ids.add(d.asText()));
                diffIds.put(name, ids);
            }
        }
    }
}
