package io.berth.config;

import io.berth.model.Durations;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A device profile from the device-profiles module: defaults for config keys, by board. */
public record DeviceProfile(String name, Map<String, String> settings, String chosenBy) {

    /** The fallback when no profile is configured and none is detected. */
    public static final String DEFAULT = "generic";
    /** The config value that asks for detection (the same as leaving {@code profile} unset). */
    public static final String AUTO = "auto";
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");
    private static final String ROOT = "/io/berth/profiles/";

    public DeviceProfile {
        settings = Map.copyOf(settings);
    }

    public DeviceProfile(String name, Map<String, String> settings) {
        this(name, settings, "configured");
    }

    /** The same profile, saying how it was chosen ("configured", "detected: device-tree model …"). */
    public DeviceProfile withChosenBy(String how) {
        return new DeviceProfile(name, settings, how);
    }

    public static List<String> known() {
        List<String> names = new ArrayList<>();
        try (InputStream in = DeviceProfile.class.getResourceAsStream(ROOT + "profiles.list")) {
            if (in == null) {
                return names;
            }
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                reader.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(names::add);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the list of device profiles", e);
        }
        return names;
    }

    public static DeviceProfile load(String name) throws ConfigException {
        if (!known().contains(name)) {
            throw new ConfigException("unknown device profile '" + name + "': use one of " + String.join(", ", known())
                    + ", or 'auto' to detect the board");
        }
        Properties properties = new Properties();
        try (InputStream in = DeviceProfile.class.getResourceAsStream(ROOT + name + ".properties")) {
            if (in == null) {
                throw new ConfigException("device profile '" + name + "' is listed but missing from the jar");
            }
            properties.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ConfigException("cannot read device profile '" + name + "': " + e.getMessage(), e);
        }
        Map<String, String> settings = new TreeMap<>();
        properties.stringPropertyNames().forEach(k -> settings.put(k, properties.getProperty(k).strip()));
        return new DeviceProfile(name, settings);
    }

    /** The image platform to pull ({@code linux/arm64}, …), or null for the engine's own. */
    public String platform() {
        String p = settings.get("platform");
        return p == null || p.isBlank() ? null : p;
    }

    /** A profile setting as text; see docs/devices.md for the keys. */
    public String setting(String key) {
        String value = settings.get(key);
        if (value == null) {
            throw new IllegalArgumentException("device profile '" + name + "' has no setting '" + key + "'");
        }
        return value;
    }

    public long bytes(String key) {
        Long value = parseBytes(setting(key));
        if (value == null) {
            throw new IllegalArgumentException("device profile '" + name + "': " + key + " '" + setting(key)
                    + "' is not a size (write 512KiB, 10MiB, 1GiB or a number of bytes)");
        }
        return value;
    }

    public Duration duration(String key) {
        Duration value = Durations.parse(setting(key));
        if (value == null) {
            throw new IllegalArgumentException("device profile '" + name + "': " + key + " '" + setting(key)
                    + "' is not a duration (write 500ms, 10s, 5m)");
        }
        return value;
    }

    public long number(String key) {
        return Long.parseLong(setting(key));
    }

    public boolean flag(String key) {
        return Boolean.parseBoolean(setting(key));
    }

    /** {@code 512KiB}, {@code 10MiB}, {@code 1GiB} or plain bytes; null if it is none of these. */
    static Long parseBytes(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        return switch (unit) {
            case "KiB" -> n << 10;
            case "MiB" -> n << 20;
            case "GiB" -> n << 30;
            default -> n;
        };
    }
}
