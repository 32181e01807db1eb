package io.berth.registry;

import io.berth.support.ShortCommand;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An agent package file's name, version and Debian architecture: from {@code dpkg-deb -f} where
 * dpkg-deb is installed, else from its file name {@code berth_VERSION_ARCH.deb}. Operator side.
 */
record DebPackage(Path file, String name, String version, String architecture) {
    private static final Duration DPKG_DEB_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern FILE_NAME = Pattern.compile("([a-z0-9][a-z0-9+.-]+)_([^_/]+)_([a-z0-9]+)\\.deb");

    /** Reads and checks a package: Berth's, of a known architecture. */
    static DebPackage read(Path file) throws RegistryException {
        if (!Files.isRegularFile(file)) {
            throw new RegistryException(file + " is not a file; give the path of a berth_VERSION_ARCH.deb");
        }
        DebPackage deb = dpkgDeb(file);
        if (deb == null) {
            deb = fromFileName(file);
        }
        return deb.checked();
    }

    /** From {@code berth_VERSION_ARCH.deb}. */
    static DebPackage fromFileName(Path file) throws RegistryException {
        Matcher m = FILE_NAME.matcher(file.getFileName().toString());
        if (!m.matches()) {
            throw new RegistryException(file + ": dpkg-deb is not installed and the file name is not "
                    + "berth_VERSION_ARCH.deb; install dpkg or name the file as the package build does");
        }
        return new DebPackage(file, m.group(1), m.group(2), m.group(3));
    }

    /** From the control fields {@code dpkg-deb -f} prints; null when dpkg-deb is not installed. */
    static DebPackage dpkgDeb(Path file) throws RegistryException {
        ShortCommand.Outcome out;
        try {
            out = ShortCommand.run(List.of("dpkg-deb", "-f", file.toString(), "Package", "Version", "Architecture"),
                    DPKG_DEB_TIMEOUT, 64 * 1024);
        } catch (InterruptedIOException e) {
            throw new RegistryException("reading " + file + " with dpkg-deb was interrupted", e);
        } catch (ShortCommand.TimedOut e) {
            throw new RegistryException("reading " + file + " with dpkg-deb failed: " + e.getMessage(), e);
        } catch (IOException e) {
            return null; // no dpkg-deb here
        }
        if (out.exitCode() != 0) {
            throw new RegistryException(file + " is not a Debian package: dpkg-deb says "
                    + out.output().strip().lines().findFirst().orElse("nothing") + "; give the .deb the build produced");
        }
        return fromControl(file, out.output());
    }

    /** From {@code Field: value} lines. */
    static DebPackage fromControl(Path file, String control) {
        Map<String, String> fields = new HashMap<>();
        control.lines().forEach(line -> {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        });
        return new DebPackage(file, fields.getOrDefault("Package", ""), fields.getOrDefault("Version", ""),
                fields.getOrDefault("Architecture", ""));
    }

    private DebPackage checked() throws RegistryException {
        if (!name.equals("berth")) {
            throw new RegistryException(file + " is the package '" + name + "', not berth; give Berth's agent package");
        }
        if (version.isEmpty()) {
            throw new RegistryException(file + " names no version; give the .deb the build produced");
        }
        if (!AgentArtifact.ARCHITECTURES.contains(architecture)) {
            throw new RegistryException(file + " is built for '" + architecture + "'; agent packages are for "
                    + String.join(", ", AgentArtifact.ARCHITECTURES));
        }
        return this;
    }
}
