package io.berth.sideload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Synthetic docker save archives: accepted when whole, refused when anything is missing, short or changed. */
class ImageArchiveTest {
    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("berth-archive");
    }

    @AfterEach
    void tearDown() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** The files of a one-image, one-layer docker save archive; {@code layerOnDisk} may differ from what the config says. */
    private static Map<String, byte[]> save(byte[] layer, byte[] layerOnDisk) throws Exception {
        byte[] config = ("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" + sha(layer) + "\"]}}")
                .getBytes(StandardCharsets.UTF_8);
        String configName = sha(config) + ".json";
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("abc/layer.tar", layerOnDisk);
        files.put(configName, config);
        files.put("manifest.json", ("[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"demo/app:1\"],"
                + "\"Layers\":[\"abc/layer.tar\"]}]").getBytes(StandardCharsets.UTF_8));
        return files;
    }

    private static byte[] tar(Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                e.setSize(f.getValue().length);
                tar.putArchiveEntry(e);
                tar.write(f.getValue());
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    private static byte[] layer() {
        byte[] layer = new byte[20000];
        for (int i = 0; i < layer.length; i++) {
            layer[i] = (byte) (i * 31);
        }
        return layer;
    }

    @Test
    void wholeArchivesPassPlainGzipAndXz() throws Exception {
        byte[] plain = tar(save(layer(), layer()));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream out = new GzipCompressorOutputStream(gz)) {
            out.write(plain);
        }
        ByteArrayOutputStream xz = new ByteArrayOutputStream();
        try (OutputStream out = new XZCompressorOutputStream(xz)) {
            out.write(plain);
        }
        for (Path file : List.of(write("a.tar", plain), write("a.tar.gz", gz.toByteArray()),
                write("a.tar.xz", xz.toByteArray()))) {
            ImageArchive.Contents contents = ImageArchive.check(file);
            assertEquals(List.of("demo/app:1"), contents.images(), file.toString());
            assertEquals(1, contents.layers());
            try (var in = ImageArchive.imagesStream(file)) {
                assertTrue(Arrays.equals(plain, in.readAllBytes()), "the engine gets the plain tar of " + file);
            }
        }
    }

    @Test
    void aChangedLayerIsRefused() throws Exception {
        byte[] changed = layer();
        changed[100] ^= 1;
        Path file = write("changed.tar", tar(save(layer(), changed)));
        String message = assertThrows(ImageArchive.InvalidArchiveException.class, () -> ImageArchive.check(file))
                .getMessage();
        assertTrue(message.contains("does not match its digest") && message.contains("nothing was loaded"), message);
    }

    @Test
    void missingPartsAndTruncationAreRefused() throws Exception {
        Map<String, byte[]> noManifest = save(layer(), layer());
        noManifest.remove("manifest.json");
        assertTrue(assertThrows(IOException.class, () -> ImageArchive.check(write("m.tar", tar(noManifest))))
                .getMessage().contains("no manifest.json"));

        Map<String, byte[]> noLayer = save(layer(), layer());
        noLayer.remove("abc/layer.tar");
        assertTrue(assertThrows(IOException.class, () -> ImageArchive.check(write("l.tar", tar(noLayer))))
                .getMessage().contains("layer abc/layer.tar is missing"));

        byte[] whole = tar(save(layer(), layer()));
        Path cut = write("cut.tar", Arrays.copyOf(whole, 9000));
        String message = assertThrows(IOException.class, () -> ImageArchive.check(cut)).getMessage();
        assertTrue(message.contains("nothing was loaded"), message);

        assertTrue(assertThrows(IOException.class, () -> ImageArchive.check(write("doc.json",
                "{\"services\":{}}".getBytes(StandardCharsets.UTF_8)))).getMessage().contains("nothing was loaded"));
    }

    @Test
    void theEngineGetsOnlyTheAllowedTagsPinnedToTheirCheckedConfigAndNoOtherTagSource() throws Exception {
        Map<String, byte[]> files = save(layer(), layer());
        String manifest = new String(files.get("manifest.json"), StandardCharsets.UTF_8)
                .replace("[\"demo/app:1\"]", "[\"demo/app:1\",\"registry/running:1\"]");
        files.put("manifest.json", manifest.getBytes(StandardCharsets.UTF_8));
        files.put("repositories", "{\"registry/running\":{\"1\":\"abc\"}}".getBytes(StandardCharsets.UTF_8));
        Path file = write("two-tags.tar", tar(files));
        ImageArchive.Contents contents = ImageArchive.check(file);
        assertEquals(List.of("demo/app:1", "registry/running:1"), contents.images());

        var pinned = LoadStream.pinned(contents, java.util.Set.of("demo/app:1"));
        assertEquals(1, pinned.size());
        assertEquals(List.of("demo/app:1"), pinned.get(0).tags());
        Map<String, String> rebuilt = new LinkedHashMap<>();
        try (var in = LoadStream.open(ArchiveSource.of(file), false, pinned);
             var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(in)) {
            for (var e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                rebuilt.put(e.getName(), new String(tar.readAllBytes(), StandardCharsets.ISO_8859_1));
            }
        }
        assertEquals(List.of("abc/layer.tar", contents.manifest().get(0).config(), "manifest.json"),
                List.copyOf(rebuilt.keySet()), "no repositories file: tags come from the rebuilt manifest only");
        assertTrue(rebuilt.get("manifest.json").contains("\"RepoTags\":[\"demo/app:1\"]"), rebuilt.get("manifest.json"));
        assertEquals(List.of(), LoadStream.pinned(contents, java.util.Set.of("other:1")), "nothing to tag");
    }

    @Test
    void anArchiveThatCannotBeReadToTheEndFailsTheStreamInsteadOfEndingIt() throws Exception {
        Path file = write("ok.tar", tar(save(layer(), layer())));
        ImageArchive.Contents contents = ImageArchive.check(file);
        var pinned = LoadStream.pinned(contents, java.util.Set.of("demo/app:1"));
        ArchiveSource breaking = new ArchiveSource() {
            @Override
            public java.io.InputStream open() throws IOException {
                // the spool's first 2 KiB, then the medium fails (a pulled USB stick)
                byte[] start = Arrays.copyOf(Files.readAllBytes(file), 2048);
                return new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(start), new java.io.InputStream() {
                    @Override
                    public int read() throws IOException {
                        throw new IOException("Input/output error");
                    }
                });
            }

            @Override
            public String name() {
                return "stick.tar";
            }
        };
        try (var in = LoadStream.open(breaking, false, pinned)) {
            IOException e = assertThrows(IOException.class, in::readAllBytes);
            assertTrue(e.getMessage().startsWith("reading the archive failed: "), e.getMessage());
            assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
        }
    }

    @Test
    void aBundleWhoseMetaPinsAnotherConfigIsRefused() throws Exception {
        Map<String, byte[]> files = save(layer(), layer());
        byte[] images = tar(files);
        Map<String, byte[]> bundle = new LinkedHashMap<>();
        bundle.put(ImageArchive.BUNDLE_META, ("{\"format\":1,\"images\":[\"demo/app:1\"],\"digests\":"
                + "{\"demo/app:1\":\"sha256:" + "0".repeat(64) + "\"}}").getBytes(StandardCharsets.UTF_8));
        bundle.put(ImageArchive.BUNDLE_DOCUMENT, "{\"services\":{}}".getBytes(StandardCharsets.UTF_8));
        bundle.put(ImageArchive.BUNDLE_IMAGES, images);
        String message = assertThrows(ImageArchive.InvalidArchiveException.class,
                () -> ImageArchive.check(write("pinned.tar", tar(bundle)))).getMessage();
        assertTrue(message.contains("pins demo/app:1"), message);
    }
}
