package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;

/**
 * The dispatch table of Compose service keys (PROTOCOL.md §3): each key Berth takes, with the
 * reader that puts it into a {@link ServiceDraft}. The readers live in one class per concern
 * ({@link BasicKeys}, {@link ResourceKeys}, {@link IsolationKeys}, {@link NetworkKeys},
 * {@link LifecycleKeys}); a key in none of them is unknown, or one Berth never takes ({@link #NEVER}).
 */
final class ServiceKeys {

    /** Reads one key's value into the draft, errors at {@code path}. */
    interface KeyReader {
        void read(ServiceDraft s, String path, JsonNode value);
    }

    /** Compose keys Berth never takes, with what to do instead. */
    static final Map<String, String> NEVER = Map.ofEntries(
            Map.entry("build", "Berth does not build images: build and push the image to a registry, then name it in 'image'"),
            Map.entry("env_file", "the berth client resolves env_file before publishing; the agent takes 'environment' only"),
            Map.entry("profiles", "the berth client leaves out services of inactive profiles before publishing: publish "
                    + "with berth apply/publish, or only the services this device should run"),
            Map.entry("extends", "the berth client resolves extends before publishing: publish with berth apply/publish, "
                    + "or write the service out in full"),
            Map.entry("external_links", "put both services in the same document and use their names"),
            Map.entry("develop", "'develop' is for local development with Compose watch: remove it"),
            Map.entry("scale", "one device runs one container per service: remove it, or define a second service"));

    static final Map<String, KeyReader> TABLE;

    static {
        Map<String, KeyReader> table = new HashMap<>();
        BasicKeys.register(table);
        ResourceKeys.register(table);
        IsolationKeys.register(table);
        NetworkKeys.register(table);
        LifecycleKeys.register(table);
        table.put("secrets", (s, path, value) -> FileSections.mounts(s, path, value, "secret", s.doc.secrets));
        table.put("configs", (s, path, value) -> FileSections.mounts(s, path, value, "config", s.doc.configs));
        TABLE = Map.copyOf(table);
    }

    private ServiceKeys() {}

    /** Reads one key of a service: through the table, or an error naming what to do instead. */
    static void read(ServiceDraft s, String key, String path, JsonNode value) {
        KeyReader reader = TABLE.get(key);
        if (reader != null) {
            reader.read(s, path, value);
        } else if (NEVER.containsKey(key)) {
            s.r.error(path, "Berth does not take '" + key + "': " + NEVER.get(key));
        } else {
            s.r.unknownKey("services." + s.name, key);
        }
    }
}
