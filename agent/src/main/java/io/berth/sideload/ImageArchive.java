package io.berth.sideload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Offline sideload archives, checked before the engine sees a byte: a {@code docker save}
 * archive (plain, .tar.gz or .tar.xz), or a Berth bundle (a .tar.gz holding
 * {@value #BUNDLE_META}, {@value #BUNDLE_DOCUMENT} and {@value #BUNDLE_IMAGES}, a docker save
 * archive). Checked: {@code manifest.json} present; every config and layer it names present and
 * complete; each config's SHA-256 equal to its name and each layer's SHA-256 equal to the
 * config's {@code rootfs.diff_ids}. So a truncated or tampered archive is refused whole.
 */
public final class ImageArchive {
    public static final String BUNDLE_META = "berth-bundle.json";
    public static final String BUNDLE_DOCUMENT = "desired.json";
    public static final String BUNDLE_IMAGES = "images.tar";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_JSON = 4 * 1024 * 1024;

    /** What a checked archive holds. {@code document} is null for a plain docker save archive. */
    public record Contents(List<String> images, long layers, JsonNode document) {}

    /** A refused archive: the message says what is wrong and that nothing was loaded. */
    public static final class InvalidArchiveException extends IOException {
        InvalidArchiveException(String message) {
            super(message);
        }
    }

    private ImageArchive() {}

    /** Opens a file, undoing gzip or xz compression by its magic bytes. */
    public static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
        in.mark(8);
        byte[] magic = in.readNBytes(6);
        in.reset();
        try {
            if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
                return new GzipCompressorInputStream(in, true);
            }
            if (magic.length == 6 && (magic[0] & 0xff) == 0xfd && magic[1] == '7' && magic[2] == 'z'
                    && magic[3] == 'X' && magic[4] == 'Z' && magic[5] == 0) {
                return new XZCompressorInputStream(in, true);
            }
        } catch (IOException e) {
            in.close();
            throw new InvalidArchiveException(file + " is not a readable archive (" + e.getMessage() + ")");
        }
        return in;
    }

    /** Checks an archive of either kind; fails with a message that names what is wrong. */
    public static Contents check(Path file) throws IOException {
        try (InputStream in = open(file); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry first = tar.getNextEntry();
            if (first == null) {
                throw new InvalidArchiveException(file + " is empty or not a tar archive; nothing was loaded");
            }
            if (isBundleEntry(first.getName())) {
                return checkBundle(file, tar, first);
            }
            return checkSave(file, tar, first, null);
        } catch (InvalidArchiveException e) {
            throw e;
        } catch (EOFException e) {
            throw new InvalidArchiveException(file + " is truncated (it ends too early); nothing was loaded: "
                    + "copy it again");
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidArchiveException(file + " is damaged or truncated (" + e.getMessage()
                    + "); nothing was loaded: copy it again");
        }
    }

    private static boolean isBundleEntry(String name) {
        String n = name.startsWith("./") ? name.substring(2) : name;
        return n.equals(BUNDLE_META) || n.equals(BUNDLE_DOCUMENT) || n.equals(BUNDLE_IMAGES);
    }

    private static Contents checkBundle(Path file, TarArchiveInputStream tar, TarArchiveEntry first)
            throws IOException {
        JsonNode meta = null;
        JsonNode document = null;
        Contents images = null;
        for (TarArchiveEntry e = first; e != null; e = tar.getNextEntry()) {
            String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
            switch (name) {
                case BUNDLE_META -> meta = JSON.readTree(readSmall(tar, name));
                case BUNDLE_DOCUMENT -> document = JSON.readTree(readSmall(tar, name));
                case BUNDLE_IMAGES -> {
                    TarArchiveInputStream inner = new TarArchiveInputStream(new NonClosing(tar));
                    TarArchiveEntry innerFirst = inner.getNextEntry();
                    if (innerFirst == null) {
                        throw new InvalidArchiveException(file + ": " + BUNDLE_IMAGES + " is empty; nothing was loaded");
                    }
                    images = checkSave(file, inner, innerFirst, BUNDLE_IMAGES);
                    tar.transferTo(java.io.OutputStream.nullOutputStream()); // the rest of the entry (padding)
                }
                default -> {
                    // other files are not Berth's; ignored
                }
            }
        }
        if (meta == null || document == null || images == null) {
            throw new InvalidArchiveException(file + " is not a complete Berth bundle (it needs " + BUNDLE_META + ", "
                    + BUNDLE_DOCUMENT + " and " + BUNDLE_IMAGES + "); nothing was loaded");
        }
        if (meta.path("format").asInt() != 1) {
            throw new InvalidArchiveException(file + " is a Berth bundle of format " + meta.path("format")
                    + ", which this Berth does not know; nothing was loaded");
        }
        for (JsonNode wanted : meta.path("images")) {
            if (!images.images().contains(wanted.asText())) {
                throw new InvalidArchiveException(file + ": the bundle lists image " + wanted.asText()
                        + " but its images.tar does not hold it; nothing was loaded");
            }
        }
        return new Contents(images.images(), images.layers(), document);
    }

    private static Contents checkSave(Path file, TarArchiveInputStream tar, TarArchiveEntry first, String inside)
            throws IOException {
        String where = inside == null ? file.toString() : file + " (" + inside + ")";
        Map<String, String> digests = new HashMap<>();
        Map<String, byte[]> jsons = new HashMap<>();
        for (TarArchiveEntry e = first; e != null; e = tar.getNextEntry()) {
            if (!e.isFile()) {
                continue;
            }
            String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
            if (name.endsWith(".json") || name.startsWith("blobs/sha256/") && e.getSize() <= MAX_JSON) {
                byte[] content = readSmall(tar, name);
                jsons.put(name, content);
                digests.put(name, sha256(content));
            } else {
                MessageDigest md = sha256();
                long n = new DigestInputStream(new NonClosing(tar), md).transferTo(java.io.OutputStream.nullOutputStream());
                if (n != e.getSize()) {
                    throw new InvalidArchiveException(where + ": " + name + " is incomplete (" + n + " of " + e.getSize()
                            + " bytes); nothing was loaded");
                }
                digests.put(name, HexFormat.of().formatHex(md.digest()));
            }
        }
        byte[] manifestBytes = jsons.get("manifest.json");
        if (manifestBytes == null) {
            throw new InvalidArchiveException(where + " has no manifest.json: it is not a 'docker save' archive, or "
                    + "it is incomplete; nothing was loaded");
        }
        JsonNode manifest = JSON.readTree(manifestBytes);
        if (!manifest.isArray() || manifest.isEmpty()) {
            throw new InvalidArchiveException(where + ": manifest.json lists no image; nothing was loaded");
        }
        List<String> images = new ArrayList<>();
        long layers = 0;
        for (JsonNode image : manifest) {
            String config = image.path("Config").asText();
            byte[] configBytes = jsons.get(config);
            if (configBytes == null) {
                throw new InvalidArchiveException(where + ": the image config " + config + " is missing; nothing was "
                        + "loaded");
            }
            String expected = config.replaceFirst("^blobs/sha256/", "").replaceFirst("\\.json$", "");
            if (expected.matches("[0-9a-f]{64}") && !expected.equals(digests.get(config))) {
                throw new InvalidArchiveException(where + ": the image config " + config + " does not match its "
                        + "digest (the archive was changed); nothing was loaded");
            }
            JsonNode diffIds = JSON.readTree(configBytes).path("rootfs").path("diff_ids");
            JsonNode layerNames = image.path("Layers");
            if (diffIds.size() != layerNames.size()) {
                throw new InvalidArchiveException(where + ": the manifest names " + layerNames.size() + " layers for "
                        + config + ", its config " + diffIds.size() + "; nothing was loaded");
            }
            for (int i = 0; i < layerNames.size(); i++) {
                String layer = layerNames.get(i).asText();
                String digest = digests.get(layer);
                if (digest == null) {
                    throw new InvalidArchiveException(where + ": layer " + layer + " is missing; nothing was loaded");
                }
                if (!("sha256:" + digest).equals(diffIds.get(i).asText())) {
                    throw new InvalidArchiveException(where + ": layer " + layer + " does not match its digest "
                            + diffIds.get(i).asText() + " (the archive was changed or damaged); nothing was loaded");
                }
                layers++;
            }
            image.path("RepoTags").forEach(tag -> images.add(tag.asText()));
        }
        return new Contents(images, layers, null);
    }

    /**
     * The docker save stream of a checked archive, for the engine: the file itself (decompressed)
     * or, for a bundle, its images.tar entry.
     */
    public static InputStream imagesStream(Path file) throws IOException {
        InputStream in = open(file);
        TarArchiveInputStream tar = new TarArchiveInputStream(in);
        TarArchiveEntry first = tar.getNextEntry();
        if (first == null || !isBundleEntry(first.getName())) {
            tar.close();
            return open(file);
        }
        for (TarArchiveEntry e = first; e != null; e = tar.getNextEntry()) {
            String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
            if (name.equals(BUNDLE_IMAGES)) {
                return tar; // reads the entry's bytes, then ends
            }
        }
        tar.close();
        throw new InvalidArchiveException(file + " has no " + BUNDLE_IMAGES);
    }

    private static byte[] readSmall(InputStream in, String name) throws IOException {
        byte[] content = in.readNBytes(MAX_JSON + 1);
        if (content.length > MAX_JSON) {
            throw new InvalidArchiveException(name + " is larger than " + MAX_JSON + " bytes: not a metadata file");
        }
        return content;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(byte[] content) {
        return HexFormat.of().formatHex(sha256().digest(content));
    }

    /** A view of the current tar entry that the inner reader may close without closing the outer archive. */
    private static final class NonClosing extends FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            // the outer archive stays open
        }
    }
}
