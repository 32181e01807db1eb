package io.berth.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The record of pulled images: survives a restart, written only when it changed. */
class PulledImagesTest {

    @TempDir
    Path dir;

    @Test
    void survivesARestart() throws Exception {
        PulledImages record = new PulledImages(dir);
        record.add("sha256:aaa", "127.0.0.1:5000/x:1");
        record.add("sha256:bbb", "127.0.0.1:5000/x:2");
        record.remove("sha256:aaa");
        assertEquals(Map.of("sha256:bbb", "127.0.0.1:5000/x:2"), new PulledImages(dir).all());
    }

    @Test
    void nothingIsWrittenWhenNothingChanged() throws Exception {
        Path file = dir.resolve(PulledImages.FILE);
        PulledImages record = new PulledImages(dir);
        record.add("sha256:aaa", "x:1");
        FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(file, old);
        record.add("sha256:aaa", "x:1");
        record.remove("sha256:zzz");
        new PulledImages(dir).add("sha256:aaa", "x:1");
        assertEquals(old, Files.getLastModifiedTime(file), "no flash write without a change");
    }

    @Test
    void anUnreadableRecordIsEmptySoNothingIsCollected() throws Exception {
        Files.writeString(dir.resolve(PulledImages.FILE), "{not json");
        assertTrue(new PulledImages(dir).all().isEmpty());
    }
}
