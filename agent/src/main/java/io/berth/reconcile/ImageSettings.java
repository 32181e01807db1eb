package io.berth.reconcile;

import java.nio.file.Path;

/**
 * What pulls and image GC need from the config: the state dir (where {@code pulled-images.json}
 * lives) and the bytes that must stay free on the engine's data root beside an image being pulled
 * ({@code disk.pullFloor}).
 */
public record ImageSettings(Path stateDir, long pullFloorBytes) {
}
