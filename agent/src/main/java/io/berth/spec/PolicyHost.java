package io.berth.spec;

import java.util.Map;

/**
 * What {@link DevicePolicy} must know of the device beyond the document: where host paths
 * really lead (symlinks resolved), the data root of {@code ./relative} binds, and the driver
 * options of volumes that already exist ({@code external} ones), so each is checked by what it
 * resolves to, not by its name. Paths are absolute, normalized text; the device's own
 * implementation ({@code support.DeviceHost}) reads the file system and the engine.
 */
public interface PolicyHost {

    /** The data root of {@code ./relative} binds. */
    String dataRoot();

    /**
     * Where a host path leads: the real path of its longest existing prefix, the rest appended.
     * A symlink planted anywhere along the path is followed, as the engine would.
     */
    String realPath(String path);

    /**
     * The driver options of an existing volume ({@code type}, {@code o}, {@code device} of the
     * local driver), empty when it has none or does not exist.
     *
     * @throws RuntimeException when it cannot be told (the policy then refuses)
     */
    Map<String, String> volumeOptions(String name);

    /** A host where no path is a symlink and no volume exists yet (validate, tests of pure rules). */
    static PolicyHost plain(String dataRoot) {
        return new PolicyHost() {
            @Override
            public String dataRoot() {
                return HostPath.normalize(dataRoot);
            }

            @Override
            public String realPath(String path) {
                return HostPath.normalize(path);
            }

            @Override
            public Map<String, String> volumeOptions(String name) {
                return Map.of();
            }
        };
    }
}
