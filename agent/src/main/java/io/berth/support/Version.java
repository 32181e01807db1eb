package io.berth.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Berth's version. Installed from a package it is the package's version: the Debian package
 * writes it into {@code version} beside the jar ({@code /usr/share/berth/version}), so the agent
 * reports exactly what dpkg installed (an agent update waits for that version). Elsewhere (a
 * checkout, the jar alone) it is the build's, from the jar's {@code version.properties}.
 */
public final class Version {
    private static final String CURRENT = read();

    private Version() {}

    public static String current() {
        return CURRENT;
    }

    private static String read() {
        String packaged = besideJar(jarDirectory());
        return packaged != null ? packaged : built();
    }

    /** The first line of {@code dir/version}, or null when there is none (or it is empty). */
    static String besideJar(Path dir) {
        if (dir == null) {
            return null;
        }
        Path file = dir.resolve("version");
        try {
            if (!Files.isRegularFile(file)) {
                return null;
            }
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            int eol = text.indexOf('\n');
            String line = (eol < 0 ? text : text.substring(0, eol)).strip();
            return line.isEmpty() ? null : line;
        } catch (IOException | RuntimeException e) {
            return null; // unreadable: the build's version is the next best answer
        }
    }

    /** The directory of the jar this class was loaded from; null when it is not a jar. */
    private static Path jarDirectory() {
        try {
            var source = Version.class.getProtectionDomain().getCodeSource();
            if (source == null || source.getLocation() == null) {
                return null;
            }
            Path location = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(location) ? location.getParent() : null;
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    private static String built() {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("/io/berth/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // fall through
        }
        return p.getProperty("version", "unknown");
    }
}
