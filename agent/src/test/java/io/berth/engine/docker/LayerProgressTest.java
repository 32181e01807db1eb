package io.berth.engine.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.engine.PullProgress;
import org.junit.jupiter.api.Test;

/** The engine's per-layer pull messages summed into one progress figure. */
class LayerProgressTest {

    private final LayerProgress layers = new LayerProgress();

    @Test
    void statusLinesSayNothingAboutBytes() {
        assertNull(layers.update("1", "Pulling from berth-it/x", null, null));
        assertNull(layers.update("aaa", "Pulling fs layer", null, null));
        assertNull(layers.update("aaa", "Waiting", null, null));
        assertNull(layers.update("bbb", "Already exists", null, null));
        assertNull(layers.update(null, "Digest: sha256:…", null, null));
    }

    @Test
    void downloadsAreSummedOverLayers() {
        assertEquals(new PullProgress(100, 1000), layers.update("aaa", "Downloading", 100L, 1000L));
        assertEquals(new PullProgress(150, 3000), layers.update("bbb", "Downloading", 50L, 2000L));
        assertEquals(new PullProgress(600, 3000), layers.update("aaa", "Downloading", 550L, 1000L));
    }

    @Test
    void aCompletedLayerCountsWhole() {
        layers.update("aaa", "Downloading", 100L, 1000L);
        layers.update("bbb", "Downloading", 10L, 2000L);
        assertEquals(new PullProgress(1010, 3000), layers.update("aaa", "Verifying Checksum", null, null));
        assertEquals(new PullProgress(1010, 3000), layers.update("aaa", "Download complete", null, null));
        // extracting reports its own current/total: the download is done all the same
        assertEquals(new PullProgress(1010, 3000), layers.update("aaa", "Extracting", 32L, 1000L));
        assertEquals(new PullProgress(3000, 3000), layers.update("bbb", "Pull complete", null, null));
    }

    @Test
    void bytesNeverExceedTheTotal() {
        layers.update("aaa", "Downloading", 5000L, 1000L);
        PullProgress p = layers.update("aaa", "Downloading", 900L, 1000L);
        assertTrue(p.bytes() <= p.totalBytes(), p.toString());
        assertEquals(1000, p.bytes(), "never backwards either");
    }

    @Test
    void aSmallLayerThatCameWholeIsNotCountedWithoutItsSize() {
        assertNull(layers.update("ccc", "Download complete", null, null));
        assertEquals(new PullProgress(0, 0), layers.sum());
    }
}
