package io.berth.selfupdate;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import io.berth.support.ShortCommand;
import org.tinylog.Logger;

/** {@link Platform} from dpkg ({@code dpkg --print-architecture}, {@code dpkg-query -W berth}) and the running jar. */
public final class DebianPlatform implements Platform {
    /** Where the berth package installs the agent's jar. */
    static final Path PACKAGE_JAR = Path.of("/usr/share/berth/berth.jar");
    private static final long WAIT_SECONDS = 10;
    private static volatile String arch;

    @Override
    public String debArch() {
        return arch();
    }

    /** The device's Debian architecture ({@code dpkg --print-architecture}, else Java's {@code os.arch}): the report's {@code agent.arch}. */
    public static String arch() {
        String known = arch;
        if (known == null) {
            String dpkg = run(List.of("dpkg", "--print-architecture"));
            known = dpkg != null && !dpkg.isBlank() ? dpkg.strip() : javaArch();
            arch = known; // asked once per process: many agents share one in the fleet simulator
        }
        return known;
    }

    /**
     * The package is installed and this agent runs its jar: an agent run from elsewhere (a build
     * tree, a test) must not have the package's agent restarted in its place.
     */
    @Override
    public boolean installedFromPackage() {
        return runsFrom(PACKAGE_JAR) && installed(run(List.of("dpkg-query", "-W", "-f=${Status}", "berth")));
    }

    /** dpkg's {@code Status} of an installed package: also one an admin held ({@code apt-mark hold}). */
    static boolean installed(String status) {
        return "install ok installed".equals(status) || "hold ok installed".equals(status);
    }

    /** Whether this class was loaded from {@code jar}. */
    static boolean runsFrom(Path jar) {
        try {
            CodeSource source = DebianPlatform.class.getProtectionDomain().getCodeSource();
            return source != null && source.getLocation() != null
                    && Path.of(source.getLocation().toURI()).toAbsolutePath().normalize().equals(jar);
        } catch (URISyntaxException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public long pid() {
        return ProcessHandle.current().pid();
    }

    /** This JVM's architecture as Debian names it: at hand at once, where {@link #arch()} asks dpkg. */
    public static String javaArch() {
        return fromOsArch(System.getProperty("os.arch", ""));
    }

    /** Java's {@code os.arch} as Debian names it; the name itself where there is no match. */
    static String fromOsArch(String osArch) {
        return switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "arm", "armv7l", "armhf" -> "armhf";
            default -> osArch;
        };
    }

    /** The command's output when it exits 0, else null (not installed, not there, too slow). */
    private static String run(List<String> command) {
        return run(command, Duration.ofSeconds(WAIT_SECONDS));
    }

    static String run(List<String> command, Duration timeout) {
        try {
            ShortCommand.Outcome out = ShortCommand.run(command, timeout, 4096);
            return out.exitCode() == 0 ? out.output() : null;
        } catch (IOException e) {
            Logger.debug("{}: {}", command.get(0), e.toString());
            return null;
        }
    }
}
