package io.berth.reconcile;

import java.nio.file.Path;

/**
 * What pulls and image GC need from the config: the state dir (where {@code pulled-images.json}
 * lives), the bytes that must stay free on the engine's data root beside an image being pulled
 * ({@code disk.pullFloor}), and the platform images are pulled for (the profile's, or null for
 * the engine's own).
 */
public record ImageSettings(Path stateDir, long pullFloorBytes, String platform) {

    public ImageSettings(Path stateDir, long pullFloorBytes) {
        this(stateDir, pullFloorBytes, null);
    }
}
