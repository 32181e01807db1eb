package io.berth.store;

import io.berth.spec.PolicyHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/**
 * The device's side of {@link PolicyHost}: where host paths really lead on this file system
 * (symlinks resolved), and the driver options of the engine's existing volumes.
 */
public final class HostFiles implements PolicyHost {

    private final Path dataRoot;
    private final Function<String, Map<String, String>> volumeOptions;

    private HostFiles(Path dataRoot, Function<String, Map<String, String>> volumeOptions) {
        this.dataRoot = dataRoot.toAbsolutePath().normalize();
        this.volumeOptions = volumeOptions;
    }

    /** The device itself: its file system and its engine's volumes. */
    public static PolicyHost of(Path dataRoot, Function<String, Map<String, String>> volumeOptions) {
        return new HostFiles(dataRoot, volumeOptions);
    }

    /** This file system, with no engine: no volume exists yet. */
    public static PolicyHost files(Path dataRoot) {
        return of(dataRoot, name -> Map.of());
    }

    @Override
    public Path dataRoot() {
        return dataRoot;
    }

    @Override
    public Map<String, String> volumeOptions(String name) {
        Map<String, String> options = volumeOptions.apply(name);
        return options == null ? Map.of() : options;
    }

    @Override
    public Path realPath(Path path) {
        return resolve(path.toAbsolutePath().normalize(), 0);
    }

    private static Path resolve(Path path, int depth) {
        Path existing = path;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return path;
        }
        Path rest = existing.relativize(path);
        try {
            // what follows the existing prefix does not exist: no symlink in it
            return existing.toRealPath().resolve(rest).normalize();
        } catch (IOException e) {
            // a dangling symlink: where it points to, read without following further
            try {
                if (Files.isSymbolicLink(existing) && depth <= 40) {
                    Path target = existing.getParent().resolve(Files.readSymbolicLink(existing)).normalize();
                    return resolve(target.resolve(rest).normalize(), depth + 1);
                }
            } catch (IOException ignored) {
                // below
            }
            return path;
        }
    }
}
