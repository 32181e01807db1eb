package io.berth.sideload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: checking an archive holds only manifests and configs in memory. A crafted archive of
 * thousands of small blobs (38 MB of them) is checked in a child JVM with the 24 MiB heap of a
 * small board; before, every small entry was kept until the manifest was read.
 */
class ArchiveMemoryTest {
    @TempDir
    Path dir;

    @Test
    void thousandsOfSmallEntriesAreCheckedInA24MiBHeap() throws Exception {
        Path archive = dir.resolve("crafted.tar");
        byte[] layer = "layer".repeat(100).getBytes(StandardCharsets.UTF_8);
        String layerDigest = sha(layer);
        byte[] config = ("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" + layerDigest + "\"]}}")
                .getBytes(StandardCharsets.UTF_8);
        String configName = "blobs/sha256/" + sha(config);
        byte[] filler = new byte[2048];
        try (OutputStream os = Files.newOutputStream(archive); TarArchiveOutputStream tar = new TarArchiveOutputStream(os)) {
            for (int i = 0; i < 19_000; i++) {
                filler[0] = (byte) i;
                filler[1] = (byte) (i >> 8);
                entry(tar, "blobs/sha256/" + sha(filler), filler);
            }
            entry(tar, "blobs/sha256/" + layerDigest, layer);
            entry(tar, configName, config);
            entry(tar, "manifest.json", ("[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"demo/app:1\"],"
                    + "\"Layers\":[\"blobs/sha256/" + layerDigest + "\"]}]").getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(Files.size(archive) > 38_000_000, "more than the heap in small entries");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx24m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                CheckMain.class.getName(), archive.toString()).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue(), output);
        assertEquals("ok " + List.of("demo/app:1") + " 1", output.strip());
    }

    private static void entry(TarArchiveOutputStream tar, String name, byte[] content) throws Exception {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
