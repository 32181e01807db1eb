package io.berth.sideload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
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
 *
 * <p>Memory stays bounded whatever the archive holds: a first pass hashes every entry as it
 * streams by and keeps only {@code manifest.json}; a second pass reads the configs the manifest
 * names, one at a time. What the engine gets ({@link LoadStream}) is rebuilt from the same bytes.
 */
public final class ImageArchive {
    public static final String BUNDLE_META = "berth-bundle.json";
    public static final String BUNDLE_DOCUMENT = "desired.json";
    public static final String BUNDLE_IMAGES = "images.tar";
    static final ObjectMapper JSON = new ObjectMapper();
    /** Manifests, configs and bundle documents are metadata: larger is not one. */
    static final int MAX_JSON = 1024 * 1024;
    /** Entries of one archive (a layer is three in docker save's layout): a bound on the digest index. */
    static final int MAX_ENTRIES = 20_000;

    /** One image of the archive's manifest: its config (name and SHA-256), tags and layers. */
    public record Image(String config, String configDigest, List<String> tags, List<String> layers) {
        public Image {
            tags = List.copyOf(tags);
            layers = List.copyOf(layers);
        }
    }

    /**
     * What a checked archive holds. {@code document} and {@code meta} are null for a plain docker
     * save archive; {@code images} every tag of every image.
     */
    public record Contents(List<String> images, long layers, JsonNode document, JsonNode meta,
                           List<Image> manifest) {
        public Contents(List<String> images, long layers, JsonNode document) {
            this(images, layers, document, null, List.of());
        }

        public boolean bundle() {
            return document != null;
        }
    }

    /** A refused archive: the message says what is wrong and that nothing was loaded. */
    public static final class InvalidArchiveException extends IOException {
        InvalidArchiveException(String message) {
            super(message);
        }
    }

    private ImageArchive() {}

    /** Opens a file, undoing gzip or xz compression by its magic bytes. */
    public static InputStream open(Path file) throws IOException {
        return open(ArchiveSource.of(file));
    }

    static InputStream open(ArchiveSource source) throws IOException {
        InputStream in = new BufferedInputStream(source.open(), 64 * 1024);
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
            throw new InvalidArchiveException(source.name() + " is not a readable archive (" + e.getMessage() + ")");
        }
        return in;
    }

    public static Contents check(Path file) throws IOException {
        return check(ArchiveSource.of(file));
    }

    /** Checks an archive of either kind; fails with a message that names what is wrong. */
    public static Contents check(ArchiveSource source) throws IOException {
        String name = source.name();
        try {
            SaveIndex index;
            JsonNode meta = null;
            JsonNode document = null;
            try (InputStream in = open(source); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                TarArchiveEntry first = tar.getNextEntry();
                if (first == null) {
                    throw new InvalidArchiveException(name + " is empty or not a tar archive; nothing was loaded");
                }
                if (!isBundleEntry(first.getName())) {
                    index = SaveIndex.read(name, tar, first);
                } else {
                    index = null;
                    for (TarArchiveEntry e = first; e != null; e = tar.getNextEntry()) {
                        switch (plain(e.getName())) {
                            case BUNDLE_META -> meta = JSON.readTree(readSmall(tar, BUNDLE_META));
                            case BUNDLE_DOCUMENT -> document = JSON.readTree(readSmall(tar, BUNDLE_DOCUMENT));
                            case BUNDLE_IMAGES -> {
                                TarArchiveInputStream inner = new TarArchiveInputStream(new NonClosing(tar));
                                TarArchiveEntry innerFirst = inner.getNextEntry();
                                if (innerFirst == null) {
                                    throw new InvalidArchiveException(name + ": " + BUNDLE_IMAGES
                                            + " is empty; nothing was loaded");
                                }
                                index = SaveIndex.read(name + " (" + BUNDLE_IMAGES + ")", inner, innerFirst);
                                tar.transferTo(java.io.OutputStream.nullOutputStream()); // the entry's padding
                            }
                            default -> {
                                // other files are not Berth's; ignored
                            }
                        }
                    }
                    if (meta == null || document == null || index == null) {
                        throw new InvalidArchiveException(name + " is not a complete Berth bundle (it needs "
                                + BUNDLE_META + ", " + BUNDLE_DOCUMENT + " and " + BUNDLE_IMAGES
                                + "); nothing was loaded");
                    }
                    if (meta.path("format").asInt() != 1) {
                        throw new InvalidArchiveException(name + " is a Berth bundle of format " + meta.path("format")
                                + ", which this Berth does not know; nothing was loaded");
                    }
                }
            }
            List<Image> manifest = SaveIndex.checkConfigs(source, document != null, index);
            List<String> images = new ArrayList<>();
            long layers = 0;
            for (Image image : manifest) {
                images.addAll(image.tags());
                layers += image.layers().size();
            }
            if (meta != null) {
                checkMeta(name, meta, manifest);
            }
            return new Contents(images, layers, document, meta, manifest);
        } catch (InvalidArchiveException e) {
            throw e;
        } catch (EOFException e) {
            throw new InvalidArchiveException(name + " is truncated (it ends too early); nothing was loaded: "
                    + "copy it again");
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidArchiveException(name + " is damaged or truncated (" + e.getMessage()
                    + "); nothing was loaded: copy it again");
        }
    }

    /** The bundle's own list of images, and their config digests where it pins them, must match its manifest. */
    private static void checkMeta(String name, JsonNode meta, List<Image> manifest) throws IOException {
        Map<String, String> configOf = new HashMap<>();
        manifest.forEach(i -> i.tags().forEach(t -> configOf.put(t, "sha256:" + i.configDigest())));
        for (JsonNode wanted : meta.path("images")) {
            if (!configOf.containsKey(wanted.asText())) {
                throw new InvalidArchiveException(name + ": the bundle lists image " + wanted.asText()
                        + " but its images.tar does not hold it; nothing was loaded");
            }
        }
        for (var pinned : (Iterable<Map.Entry<String, JsonNode>>) () -> meta.path("digests").fields()) {
            if (!pinned.getValue().asText().equals(configOf.get(pinned.getKey()))) {
                throw new InvalidArchiveException(name + ": the bundle pins " + pinned.getKey() + " to "
                        + pinned.getValue().asText() + ", but its images.tar tags " + configOf.get(pinned.getKey())
                        + "; nothing was loaded");
            }
        }
    }

    static boolean isBundleEntry(String name) {
        String n = plain(name);
        return n.equals(BUNDLE_META) || n.equals(BUNDLE_DOCUMENT) || n.equals(BUNDLE_IMAGES);
    }

    static String plain(String name) {
        return name.startsWith("./") ? name.substring(2) : name;
    }

    /**
     * The docker save stream of a checked archive, as it is: the file itself (decompressed) or,
     * for a bundle, its images.tar entry. {@link LoadStream} is what the agent hands the engine.
     */
    public static InputStream imagesStream(Path file) throws IOException {
        return imagesStream(ArchiveSource.of(file));
    }

    static InputStream imagesStream(ArchiveSource source) throws IOException {
        InputStream in = open(source);
        TarArchiveInputStream tar = new TarArchiveInputStream(in);
        TarArchiveEntry first = tar.getNextEntry();
        if (first == null || !isBundleEntry(first.getName())) {
            tar.close();
            return open(source);
        }
        for (TarArchiveEntry e = first; e != null; e = tar.getNextEntry()) {
            if (plain(e.getName()).equals(BUNDLE_IMAGES)) {
                return tar; // reads the entry's bytes, then ends
            }
        }
        tar.close();
        throw new InvalidArchiveException(source.name() + " has no " + BUNDLE_IMAGES);
    }

    static byte[] readSmall(InputStream in, String name) throws IOException {
        byte[] content = in.readNBytes(MAX_JSON + 1);
        if (content.length > MAX_JSON) {
            throw new InvalidArchiveException(name + " is larger than " + MAX_JSON + " bytes: not a metadata file");
        }
        return content;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Hashes the rest of the current entry as it streams by; returns its SHA-256 and how many bytes it had. */
    static String hash(InputStream entry, long[] length) throws IOException {
        MessageDigest md = sha256();
        length[0] = new DigestInputStream(new NonClosing(entry), md).transferTo(java.io.OutputStream.nullOutputStream());
        return HexFormat.of().formatHex(md.digest());
    }

    /** A view of the current tar entry that an inner reader may close without closing the outer archive. */
    static final class NonClosing extends FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            // the outer archive stays open
        }
    }
}
