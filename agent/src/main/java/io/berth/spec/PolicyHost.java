package io.berth.spec;

import java.nio.file.Path;
import java.util.Map;

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
     * The device's file system answers this ({@code store.HostFiles}); this package reads none.
     */
    Path realPath(Path path);

    /**
     * Without a device (validate on an operator's machine, unit tests of other rules): paths
     * are taken as written, normalized, and no volume exists yet.
     */
    static PolicyHost lexical(Path dataRoot) {
        Path root = dataRoot.toAbsolutePath().normalize();
        return new PolicyHost() {
            @Override
            public Path dataRoot() {
                return root;
            }

            @Override
            public Map<String, String> volumeOptions(String name) {
                return Map.of();
            }

            @Override
            public Path realPath(Path path) {
                return path.toAbsolutePath().normalize();
            }
        };
    }
}
