package io.berth.registry;

import static io.berth.registry.AgentPackages.ARTIFACT_TYPE;
import static io.berth.registry.AgentPackages.CONFIG_TYPE;
import static io.berth.registry.AgentPackages.PACKAGE_TYPE;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON of an agent artifact, written and read (no I/O): an OCI image index with one entry per
 * Debian architecture, each an OCI image manifest whose config names the version and whose one
 * layer is the package. Entries carry {@code platform} ({@code linux} and {@code amd64},
 * {@code arm64}, or {@code arm} variant {@code v7} for armhf) and, on every entry, the annotation
 * {@value #ARCH_ANNOTATION} with the Debian architecture; the {@code all} entry has that
 * annotation and no platform, so an engine never picks it as an image. The index carries the
 * version as {@value #VERSION_ANNOTATION}.
 */
final class AgentArtifact {
    static final String INDEX_TYPE = "application/vnd.oci.image.index.v1+json";
    static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
    static final String ARCH_ANNOTATION = "io.berth.agent.architecture";
    static final String VERSION_ANNOTATION = "org.opencontainers.image.version";
    static final String TITLE_ANNOTATION = "org.opencontainers.image.title";
    static final List<String> ARCHITECTURES = List.of("amd64", "arm64", "armhf", "all");
    private static final ObjectMapper JSON = new ObjectMapper();

    private AgentArtifact() {}

    /** A content descriptor: media type, digest, size. */
    record Descriptor(String mediaType, String digest, long size) {}

    /** One entry of the index: a manifest for a Debian architecture. */
    record Entry(String architecture, String digest, long size) {}

    /** What an index holds. */
    record Index(String version, List<Entry> entries) {
        List<String> architectures() {
            return entries.stream().map(Entry::architecture).toList();
        }
    }

    /** What an entry's manifest holds: its config and its one package layer (with its file name). */
    record Manifest(Descriptor config, Descriptor layer, String title) {}

    /** {@code {"version": V, "architecture": A, "package": "berth"}}. */
    static byte[] config(String version, String architecture) {
        ObjectNode config = JSON.createObjectNode();
        config.put("version", version).put("architecture", architecture).put("package", "berth");
        return bytes(config);
    }

    static byte[] manifest(Descriptor config, Descriptor layer, String title) {
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2).put("mediaType", MANIFEST_TYPE).put("artifactType", ARTIFACT_TYPE);
        m.set("config", descriptor(config));
        ObjectNode l = descriptor(layer);
        l.putObject("annotations").put(TITLE_ANNOTATION, title);
        m.putArray("layers").add(l);
        return bytes(m);
    }

    static byte[] index(String version, List<Entry> entries) {
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2).put("mediaType", INDEX_TYPE).put("artifactType", ARTIFACT_TYPE);
        var manifests = index.putArray("manifests");
        for (Entry e : entries) {
            ObjectNode d = descriptor(new Descriptor(MANIFEST_TYPE, e.digest(), e.size()));
            d.put("artifactType", ARTIFACT_TYPE);
            String[] platform = platform(e.architecture());
            if (platform != null) {
                ObjectNode p = d.putObject("platform").put("architecture", platform[0]).put("os", "linux");
                if (platform.length > 1) {
                    p.put("variant", platform[1]);
                }
            }
            d.putObject("annotations").put(ARCH_ANNOTATION, e.architecture());
            manifests.add(d);
        }
        index.putObject("annotations").put(VERSION_ANNOTATION, version);
        return bytes(index);
    }

    /** The OCI architecture (and variant) of a Debian architecture; null for {@code all}. */
    static String[] platform(String debArch) {
        return switch (debArch) {
            case "amd64" -> new String[] {"amd64"};
            case "arm64" -> new String[] {"arm64"};
            case "armhf" -> new String[] {"arm", "v7"};
            case "all" -> null;
            default -> throw new IllegalArgumentException("unknown Debian architecture " + debArch);
        };
    }

    /** The Debian architecture of an index entry: its annotation, else its platform; null when neither says. */
    static String debArch(JsonNode entry) {
        String annotated = entry.path("annotations").path(ARCH_ANNOTATION).asText("");
        if (!annotated.isEmpty()) {
            return annotated;
        }
        JsonNode p = entry.path("platform");
        if (!"linux".equals(p.path("os").asText())) {
            return null;
        }
        return switch (p.path("architecture").asText()) {
            case "amd64" -> "amd64";
            case "arm64" -> "arm64";
            case "arm" -> p.path("variant").asText("v7").equals("v7") ? "armhf" : null;
            default -> null;
        };
    }

    /** Reads an index, or says why it is not an agent artifact. */
    static Index readIndex(byte[] body, String name) throws RegistryException {
        JsonNode index = parse(body, name);
        if (!INDEX_TYPE.equals(index.path("mediaType").asText()) || !ARTIFACT_TYPE.equals(index.path("artifactType").asText())) {
            throw notAgent(name, "an index of artifact type " + ARTIFACT_TYPE, index);
        }
        String version = index.path("annotations").path(VERSION_ANNOTATION).asText("");
        if (version.isEmpty()) {
            throw notAgent(name, "the annotation " + VERSION_ANNOTATION, index);
        }
        List<Entry> entries = new ArrayList<>();
        for (JsonNode m : index.path("manifests")) {
            String arch = debArch(m);
            String digest = m.path("digest").asText("");
            if (arch == null || !digest.startsWith("sha256:") || !m.path("size").canConvertToLong()) {
                throw new RegistryException(name + " is not a usable agent artifact: an entry has no Debian "
                        + "architecture, sha256 digest or size (" + m + "); push it again with berth fleet agent-package push");
            }
            entries.add(new Entry(arch, digest, m.path("size").asLong()));
        }
        if (entries.isEmpty()) {
            throw notAgent(name, "at least one package", index);
        }
        return new Index(version, List.copyOf(entries));
    }

    /** The entry for {@code debArch}, else the {@code all} one; fails naming the architectures there. */
    static Entry pick(Index index, String debArch, String name) throws RegistryException {
        Entry all = null;
        for (Entry e : index.entries()) {
            if (e.architecture().equals(debArch)) {
                return e;
            }
            if (e.architecture().equals("all")) {
                all = e;
            }
        }
        if (all == null) {
            throw new RegistryException(name + " has no package for " + debArch + " (it has "
                    + String.join(", ", index.architectures()) + "); push one built for " + debArch
                    + " (or an 'all' one) with berth fleet agent-package push");
        }
        return all;
    }

    /** Reads an entry's manifest, or says why it is not an agent package. */
    static Manifest readManifest(byte[] body, String name) throws RegistryException {
        JsonNode m = parse(body, name);
        JsonNode layers = m.path("layers");
        if (!ARTIFACT_TYPE.equals(m.path("artifactType").asText())
                || !CONFIG_TYPE.equals(m.path("config").path("mediaType").asText())
                || layers.size() != 1 || !PACKAGE_TYPE.equals(layers.get(0).path("mediaType").asText())) {
            throw notAgent(name, "a manifest of artifact type " + ARTIFACT_TYPE + " with a " + CONFIG_TYPE
                    + " config and one " + PACKAGE_TYPE + " layer", m);
        }
        return new Manifest(descriptor(m.path("config")), descriptor(layers.get(0)),
                layers.get(0).path("annotations").path(TITLE_ANNOTATION).asText("berth.deb"));
    }

    /** The version a config names, checked to be Berth's package. */
    static String readConfig(byte[] body, String name) throws RegistryException {
        JsonNode c = parse(body, name);
        String version = c.path("version").asText("");
        if (!"berth".equals(c.path("package").asText()) || version.isEmpty()) {
            throw new RegistryException(name + " is not an agent artifact: its config should name the package berth "
                    + "and its version, it is " + c + "; give the reference berth fleet agent-package push printed");
        }
        return version;
    }

    private static Descriptor descriptor(JsonNode d) {
        return new Descriptor(d.path("mediaType").asText(), d.path("digest").asText(), d.path("size").asLong(-1));
    }

    private static ObjectNode descriptor(Descriptor d) {
        ObjectNode node = JSON.createObjectNode();
        node.put("mediaType", d.mediaType()).put("digest", d.digest()).put("size", d.size());
        return node;
    }

    private static JsonNode parse(byte[] body, String name) throws RegistryException {
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || !node.isObject()) {
                throw new IOException("not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new RegistryException(name + " is not an agent artifact (" + e.getMessage().lines().findFirst().orElse("")
                    + "); give the reference berth fleet agent-package push printed");
        }
    }

    private static RegistryException notAgent(String name, String wanted, JsonNode found) {
        String type = found.path("artifactType").asText(found.path("config").path("mediaType").asText("none"));
        return new RegistryException(name + " is not an agent artifact: it should be " + wanted + ", it is a "
                + found.path("mediaType").asText("document without mediaType") + " of artifact type " + type
                + "; give the reference berth fleet agent-package push printed");
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
