package io.berth.engine.docker;

import io.berth.engine.PullProgress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sums the engine's per-layer pull messages ({@code Downloading} with current/total, {@code
 * Download complete}, {@code Extracting}, {@code Pull complete}, {@code Already exists}) into one
 * {@link PullProgress}: bytes downloaded of the layers being downloaded. Not thread-safe: one per pull.
 */
final class LayerProgress {

    /** One layer: its size once the engine said it, and how much of it is downloaded. */
    private static final class Layer {
        long total;
        long current;
    }

    private final Map<String, Layer> layers = new LinkedHashMap<>();

    /**
     * Takes one progress message; returns the new sum, or null when the message says nothing about
     * bytes (a status line, a layer that already exists, a layer not started yet).
     */
    PullProgress update(String layerId, String status, Long current, Long total) {
        if (layerId == null || status == null) {
            return null;
        }
        Layer layer = layers.get(layerId);
        switch (status) {
            case "Downloading" -> {
                if (total == null || total <= 0) {
                    return null;
                }
                layer = layers.computeIfAbsent(layerId, k -> new Layer());
                layer.total = Math.max(layer.total, total);
                layer.current = Math.min(layer.total, Math.max(layer.current, current == null ? 0 : current));
            }
            case "Verifying Checksum", "Download complete", "Extracting", "Pull complete" -> {
                if (layer == null) {
                    if (total == null || total <= 0) {
                        return null; // a small layer that came whole: its size is unknown
                    }
                    layer = layers.computeIfAbsent(layerId, k -> new Layer());
                    layer.total = total;
                }
                if (total != null && total > layer.total && "Extracting".equals(status)) {
                    layer.total = total;
                }
                layer.current = layer.total;
            }
            default -> {
                return null; // Pulling fs layer, Waiting, Already exists, Digest:, Status:
            }
        }
        return sum();
    }

    PullProgress sum() {
        long bytes = 0;
        long total = 0;
        for (Layer layer : layers.values()) {
            bytes += layer.current;
            total += layer.total;
        }
        return new PullProgress(bytes, total);
    }
}
