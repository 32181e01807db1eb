package io.berth.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Detection from /proc/device-tree/model, /etc/nv_tegra_release and uname -m, fed as plain inputs. */
class ProfileDetectorTest {

    @ParameterizedTest(name = "{0} | {1} | {2} -> {3}")
    @CsvSource(nullValues = "-", delimiter = '|', value = {
            "Raspberry Pi 3 Model B Rev 1.2           | -                         | aarch64 | raspberry-pi-3",
            "Raspberry Pi 3 Model B Plus Rev 1.3      | -                         | aarch64 | raspberry-pi-3",
            "Raspberry Pi 4 Model B Rev 1.4           | -                         | aarch64 | raspberry-pi-4",
            "Raspberry Pi 400 Rev 1.0                 | -                         | aarch64 | raspberry-pi-4",
            "Raspberry Pi Compute Module 4 Rev 1.0    | -                         | aarch64 | raspberry-pi-4",
            "Raspberry Pi 5 Model B Rev 1.0           | -                         | aarch64 | raspberry-pi-5",
            "Raspberry Pi Zero 2 W Rev 1.0            | -                         | aarch64 | raspberry-pi-zero-2w",
            "Raspberry Pi 4 Model B Rev 1.1           | -                         | armv7l  | generic-armv7",
            "Raspberry Pi Zero W Rev 1.1              | -                         | armv6l  | generic",
            "Raspberry Pi Model B Rev 2               | -                         | aarch64 | generic-arm64",
            "TI AM335x BeagleBone Black               | -                         | armv7l  | beaglebone-black",
            "NVIDIA Jetson Orin Nano Developer Kit    | # R36 (release), REVISION: 3.0 | aarch64 | jetson-orin-nano",
            "-                                        | # R36 (release), REVISION: 3.0 | aarch64 | jetson-orin-nano",
            "NVIDIA Jetson AGX Xavier Developer Kit   | # R35 (release)           | aarch64 | generic-arm64",
            "Pine64 RockPro64 v2.1                    | -                         | aarch64 | generic-arm64",
            "-                                        | -                         | x86_64  | generic-amd64",
            "-                                        | -                         | amd64   | generic-amd64",
            "-                                        | -                         | armv7l  | generic-armv7",
            "-                                        | -                         | armv8l  | generic-armv7",
            "-                                        | -                         | riscv64 | generic",
            "-                                        | -                         | -       | generic",
    })
    void picksTheProfile(String model, String tegra, String machine, String expected) {
        ProfileDetector.Detection d = ProfileDetector.detect(new ProfileDetector.Host(model, tegra, machine));
        assertEquals(expected, d.profile(), d.reason());
        assertTrue(DeviceProfile.known().contains(d.profile()), d.profile() + " is a known profile");
        assertTrue(!d.reason().isBlank());
    }
}
