package io.berth.config;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/** A device profile from the device-profiles module: defaults for config keys, by board. */
public record DeviceProfile(String name, Map<String, String> settings) {

    public static final String DEFAULT = "generic";
    private static final String ROOT = "/io/berth/profiles/";

    public DeviceProfile {
        settings = Map.copyOf(settings);
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
            throw new ConfigException("unknown device profile '" + name + "': use one of " + String.join(", ", known()));
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
}
