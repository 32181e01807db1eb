package io.berth.engine;

import java.util.List;

/**
 * An image in the engine's store: its id ({@code sha256:…}), its size on disk in bytes, and the
 * references ({@code repo:tag}) that name it (none for a dangling image).
 */
public record LocalImage(String id, long sizeBytes, List<String> tags) {

    public LocalImage {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }
}
