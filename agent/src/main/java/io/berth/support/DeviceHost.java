package io.berth.support;

import io.berth.spec.HostPath;
import io.berth.spec.PolicyHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/** The device as the policy sees it: its file system (symlinks followed) and its engine's volumes. */
public final class DeviceHost implements PolicyHost {
    private static final int MAX_LINKS = 40;
    private final String dataRoot;
    private final Function<String, Map<String, String>> volumeOptions;

    /** @param volumeOptions the driver options of an existing volume; may throw when the engine cannot tell */
    public DeviceHost(Path dataRoot, Function<String, Map<String, String>> volumeOptions) {
        this.dataRoot = HostPath.normalize(dataRoot.toAbsolutePath().toString());
        this.volumeOptions = volumeOptions;
    }

    /** The file system only: no volume exists (checks before an engine is reachable, tests). */
    public static DeviceHost files(Path dataRoot) {
        return new DeviceHost(dataRoot, name -> Map.of());
    }

    @Override
    public String dataRoot() {
        return dataRoot;
    }

    @Override
    public Map<String, String> volumeOptions(String name) {
        Map<String, String> options = volumeOptions.apply(name);
        return options == null ? Map.of() : options;
    }

    @Override
    public String realPath(String path) {
        return realPath(Path.of(HostPath.normalize(path))).toString();
    }

    /** {@code toRealPath} of the longest existing prefix, the rest appended; dangling links followed too. */
    public static Path realPath(Path path) {
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
            // a dangling symlink: where it points to, followed on
            try {
                if (Files.isSymbolicLink(existing) && depth < MAX_LINKS) {
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
