package io.berth.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/**
 * What {@link DevicePolicy} must know of the device beyond the document: where host paths
 * really lead (symlinks resolved), the data root of {@code ./relative} binds, and the driver
 * options of volumes that already exist ({@code external} ones), so each is checked by what it
 * resolves to, not by its name.
 */
public interface PolicyHost {

    /** The data root of {@code ./relative} binds (absolute, normalized). */
    Path dataRoot();

    /**
     * The driver options of an existing volume ({@code type}, {@code o}, {@code device} of the
     * local driver), empty when it has none or does not exist.
     */
    Map<String, String> volumeOptions(String name);

    /**
     * Where a host path leads: {@code toRealPath} of its longest existing prefix, the rest
     * appended. A symlink planted anywhere along the path is followed, as the engine would.
     */
    default Path realPath(Path path) {
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

    /** The device itself: its file system and its engine's volumes. */
    static PolicyHost of(Path dataRoot, Function<String, Map<String, String>> volumeOptions) {
        Path root = dataRoot.toAbsolutePath().normalize();
        return new PolicyHost() {
            @Override
            public Path dataRoot() {
                return root;
            }

            @Override
            public Map<String, String> volumeOptions(String name) {
                Map<String, String> options = volumeOptions.apply(name);
                return options == null ? Map.of() : options;
            }
        };
    }

    /** For checks without an engine (validate, tests): no volume exists yet. */
    static PolicyHost files(Path dataRoot) {
        return of(dataRoot, name -> Map.of());
    }
}
