package io.berth.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Tiny Berth packages built with {@code dpkg-deb --build}, for the push tests. */
final class TestDebs {
    private TestDebs() {}

    static boolean available() {
        try {
            return new ProcessBuilder("dpkg-deb", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code dir/berth_VERSION_ARCH.deb} holding one file whose content names the architecture. */
    static Path build(Path dir, String version, String arch) throws IOException, InterruptedException {
        Path root = Files.createDirectories(dir.resolve("root-" + arch));
        Files.createDirectories(root.resolve("DEBIAN"));
        Files.writeString(root.resolve("DEBIAN/control"), """
                Package: berth
                Version: %s
                Architecture: %s
                Maintainer: Berth tests <tests@berth.invalid>
                Description: a fake agent package for the registry tests
                """.formatted(version, arch));
        Files.createDirectories(root.resolve("usr/share/berth"));
        Files.writeString(root.resolve("usr/share/berth/arch"), arch + " " + version + "\n");
        Path deb = dir.resolve("berth_" + version + "_" + arch + ".deb");
        Process p = new ProcessBuilder("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", root.toString(), deb.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("dpkg-deb --build failed: " + out);
        }
        return deb;
    }
}
