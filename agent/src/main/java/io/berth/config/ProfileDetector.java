package io.berth.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Picks a device profile when none is configured, from what the host says about itself: the
 * device-tree model ({@code /proc/device-tree/model}), the NVIDIA L4T release file
 * ({@code /etc/nv_tegra_release}) and the machine ({@code uname -m}). {@link #detect} is pure;
 * {@link Host#read()} gathers the inputs.
 */
final class ProfileDetector {

    private ProfileDetector() {}

    /** What the host says about itself; any part may be null (missing file). */
    public record Host(String deviceTreeModel, String tegraRelease, String machine) {

        /** Reads the real host: /proc/device-tree/model, /etc/nv_tegra_release, /proc/sys/kernel/arch (uname -m). */
        public static Host read() {
            String machine = readFile(Path.of("/proc/sys/kernel/arch"));
            if (machine == null) {
                machine = System.getProperty("os.arch");
            }
            return new Host(readFile(Path.of("/proc/device-tree/model")), readFile(Path.of("/etc/nv_tegra_release")),
                    machine);
        }

        private static String readFile(Path file) {
            try {
                // the device-tree model ends with a NUL byte
                return Files.readString(file, StandardCharsets.ISO_8859_1).replace("\0", "").strip();
            } catch (IOException | SecurityException e) {
                return null;
            }
        }
    }

    /** The chosen profile and why, for the log and {@code berth status}. */
    public record Detection(String profile, String reason) {}

    public static Detection detect(Host host) {
        String model = host.deviceTreeModel() == null ? "" : host.deviceTreeModel();
        String arch = normalizeMachine(host.machine());
        boolean bits64 = "arm64".equals(arch);
        if (model.startsWith("Raspberry Pi")) {
            String board = raspberryPi(model);
            if (board != null && bits64) {
                return new Detection(board, "device-tree model '" + model + "'");
            }
            if (board != null && "armv7".equals(arch)) {
                return new Detection("generic-armv7", "device-tree model '" + model
                        + "' with a 32-bit OS (" + host.machine() + ")");
            }
        }
        if (model.contains("BeagleBone Black")) {
            return new Detection("beaglebone-black", "device-tree model '" + model + "'");
        }
        if (model.contains("Orin Nano") || (host.tegraRelease() != null && model.isEmpty() && bits64)) {
            return new Detection("jetson-orin-nano", model.isEmpty()
                    ? "/etc/nv_tegra_release is present" : "device-tree model '" + model + "'");
        }
        if (arch != null) {
            String why = "machine " + host.machine() + (model.isEmpty() ? "" : " (model '" + model + "' has no profile)");
            return new Detection("generic-" + arch, why);
        }
        return new Detection(DeviceProfile.DEFAULT, "nothing known about this host (machine "
                + host.machine() + ")");
    }

    private static String raspberryPi(String model) {
        if (model.startsWith("Raspberry Pi Zero 2")) {
            return "raspberry-pi-zero-2w";
        }
        if (model.startsWith("Raspberry Pi 5") || model.startsWith("Raspberry Pi Compute Module 5")
                || model.startsWith("Raspberry Pi 500")) {
            return "raspberry-pi-5";
        }
        if (model.startsWith("Raspberry Pi 4") || model.startsWith("Raspberry Pi Compute Module 4")
                || model.startsWith("Raspberry Pi 400")) {
            return "raspberry-pi-4";
        }
        if (model.startsWith("Raspberry Pi 3") || model.startsWith("Raspberry Pi Compute Module 3")) {
            return "raspberry-pi-3";
        }
        return null;
    }

    /** uname -m (or os.arch) → amd64, arm64, armv7, or null when there is no profile for it. */
    static String normalizeMachine(String machine) {
        if (machine == null) {
            return null;
        }
        String m = machine.strip().toLowerCase(Locale.ROOT);
        switch (m) {
            case "x86_64":
            case "amd64":
                return "amd64";
            case "aarch64":
            case "arm64":
                return "arm64";
            case "armv8l": // a 32-bit user space on a 64-bit ARM kernel
            case "armv7l":
            case "armv7":
            case "armhf":
            case "arm":
                return "armv7";
            default:
                return null;
        }
    }
}
