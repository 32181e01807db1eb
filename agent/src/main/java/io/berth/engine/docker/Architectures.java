package io.berth.engine.docker;

import java.util.Locale;
import java.util.Set;

/**
 * Whether the engine can run an image of a given architecture: the same architecture, or a
 * binfmt_misc handler (qemu-user) for it. Pure; the caller supplies the handler names.
 */
final class Architectures {

    private Architectures() {}

    /** uname -m or an image's architecture → the OCI name (amd64, arm64, arm, 386, …). */
    static String oci(String arch) {
        if (arch == null) {
            return null;
        }
        String a = arch.strip().toLowerCase(Locale.ROOT);
        switch (a) {
            case "x86_64":
            case "amd64":
                return "amd64";
            case "aarch64":
            case "arm64":
                return "arm64";
            case "armv7l":
            case "armv6l":
            case "armv8l":
            case "armhf":
            case "arm":
                return "arm";
            case "i386":
            case "i686":
            case "386":
                return "386";
            default:
                return a;
        }
    }

    /** The qemu-user binfmt handler name for an OCI architecture. */
    private static String qemu(String oci) {
        switch (oci) {
            case "arm64":
                return "qemu-aarch64";
            case "amd64":
                return "qemu-x86_64";
            case "386":
                return "qemu-i386";
            default:
                return "qemu-" + oci;
        }
    }

    /**
     * Null when an image of {@code imageArch} can run on an engine of {@code engineArch};
     * otherwise why not. Unknown architectures are given the benefit of the doubt.
     */
    static String cannotRun(String imageArch, String engineArch, Set<String> binfmtHandlers) {
        String image = oci(imageArch);
        String engine = oci(engineArch);
        if (image == null || engine == null || image.isEmpty() || image.equals(engine)) {
            return null;
        }
        if ("amd64".equals(engine) && "386".equals(image) || "arm64".equals(engine) && "arm".equals(image)) {
            return null; // the 64-bit CPU runs its 32-bit sibling natively
        }
        if (binfmtHandlers.contains(qemu(image))) {
            return null;
        }
        return "its image is built for linux/" + image + " but the engine runs on linux/" + engine
                + " and has no emulator for it (exec format error)";
    }
}
