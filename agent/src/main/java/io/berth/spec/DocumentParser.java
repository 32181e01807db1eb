package io.berth.spec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.model.AgentUpdate;
import io.berth.model.DesiredState;
import io.berth.model.NetworkSpec;
import io.berth.model.RegistryAuth;
import io.berth.model.ServiceSpec;
import io.berth.model.UpdatePolicy;
import io.berth.model.VolumeSpec;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates a desired-state document (PROTOCOL.md §3). Every error is collected
 * with its JSON path; nothing unknown is silently ignored. The sections are read by
 * {@link TopLevel}, {@link AgentKey}, {@link NetworkAndVolumeSections} and {@link ServiceReader} (whose keys are
 * {@link ServiceKeys}' table), then checked together by {@link DocumentChecks}; every value
 * goes through the one {@link Reader}.
 */
public final class DocumentParser {

    /** The largest document the agent reads: the limit holds before parsing starts. */
    public static final int MAX_BYTES = 1 << 20;
    /** The deepest nesting of maps and lists a document may have. */
    public static final int MAX_DEPTH = 64;
    /** The highest revision: 2^53, the largest integer every JSON implementation keeps exactly. */
    public static final long MAX_REVISION = TopLevel.MAX_REVISION;
    /** The project name of documents without {@code name}: their default network is {@code berth_default}. */
    public static final String DEFAULT_PROJECT = "berth";

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxDocumentLength(MAX_BYTES)
                    .maxStringLength(MAX_BYTES)
                    .maxNumberLength(100)
                    .build())
            .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final Pattern DUPLICATE_KEY = Pattern.compile("^Duplicate field '([^']*)'");

    /** Top-level Compose keys Berth never takes, with what to do instead. */
    private static final Map<String, String> TOP_LEVEL_NEVER = Map.of(
            "include", "the berth client resolves include before publishing: publish with berth apply/publish, or "
                    + "write the included services into this document");

    private final Reader r = new Reader();
    private final boolean revisionRequired;
    private final String defaultProject;

    private DocumentParser(boolean revisionRequired, String defaultProject) {
        this.revisionRequired = revisionRequired;
        this.defaultProject = defaultProject;
    }

    /** Parses JSON bytes as received over MQTT or from the state dir. */
    public static ParsedDocument parseJson(byte[] json) {
        return parseJson(json, DEFAULT_PROJECT);
    }

    /** @param defaultProject the project name where the document has no {@code name} (the device's config) */
    public static ParsedDocument parseJson(byte[] json, String defaultProject) {
        if (json == null) {
            return invalid("the document is empty");
        }
        if (json.length > MAX_BYTES) {
            return invalid("the document has " + json.length + " bytes; the limit is " + MAX_BYTES
                    + " (1 MiB): split the deployment or shorten it; large configs and secrets belong in a "
                    + "volume or a sideload bundle");
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(json);
        } catch (StreamConstraintsException e) {
            return invalid("the document is too large or nested too deeply (at most " + MAX_DEPTH + " levels, "
                    + MAX_BYTES + " bytes, numbers of 100 digits)");
        } catch (JsonProcessingException e) {
            // Jackson's own message quotes the offending token, which may be a password: give only where
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            Matcher duplicate = DUPLICATE_KEY.matcher(String.valueOf(e.getOriginalMessage()));
            String why = duplicate.find() ? "the key '" + duplicate.group(1) + "' appears twice in one map"
                    : "a syntax error";
            return invalid("not valid JSON: " + why + where + "; publish one JSON object");
        } catch (IOException e) {
            return invalid("unreadable: " + e.getMessage());
        }
        if (tree == null || tree.isMissingNode()) {
            return invalid("the document is empty");
        }
        return new DocumentParser(true, defaultProject).read(tree);
    }

    private static ParsedDocument invalid(String message) {
        return new ParsedDocument.Invalid(null, List.of(new SpecError("", message)));
    }

    /** Validates a document already read into a tree (from JSON or YAML). */
    public static ParsedDocument parse(JsonNode document) {
        return parse(document, DEFAULT_PROJECT);
    }

    /** @param defaultProject the project name where the document has no {@code name} (the device's config) */
    public static ParsedDocument parse(JsonNode document, String defaultProject) {
        return new DocumentParser(true, defaultProject).read(document);
    }

    /**
     * Validates a document a user wrote (berth validate): a plain Compose file needs no
     * revision; the result is Valid with revision 0 when it has none.
     */
    public static ParsedDocument parseLocal(JsonNode document) {
        return new DocumentParser(false, DEFAULT_PROJECT).read(document);
    }

    private ParsedDocument read(JsonNode doc) {
        if (doc == null || !doc.isObject()) {
            r.error("", "the document must be a JSON object, found " + Reader.describe(doc));
            return new ParsedDocument.Invalid(null, r.errors);
        }
        Long revision = revisionRequired || doc.has("revision") ? TopLevel.revision(r, doc.get("revision"))
                : Long.valueOf(0);
        String project = doc.has("name") ? TopLevel.name(r, doc.get("name")) : defaultProject;
        DocumentContext context = new DocumentContext(project == null ? defaultProject : project);
        SortedMap<String, VolumeSpec> volumes = new TreeMap<>();
        SortedMap<String, NetworkSpec> networks = new TreeMap<>();
        Map<String, RegistryAuth> registries = new TreeMap<>();
        UpdatePolicy update = UpdatePolicy.DEFAULT;
        AgentUpdate agent = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            switch (key) {
                case "revision", "services", "name" -> { }
                case "version" -> TopLevel.version(r, value);
                case "volumes" -> NetworkAndVolumeSections.volumes(r, context, value, volumes);
                case "networks" -> NetworkAndVolumeSections.networks(r, context, value, networks);
                case "registries" -> TopLevel.registries(r, value, registries);
                case "update" -> update = TopLevel.update(r, value);
                case "agent" -> agent = AgentKey.read(r, value);
                case "target", "notAfter" -> Signatures.shapeErrors(key, value).forEach(e -> r.error(e.path(),
                        e.message()));
                case "signature" -> TopLevel.signature(r, value);
                case "configs" -> FileSections.read(r, "configs", value, context.configs);
                case "secrets" -> FileSections.read(r, "secrets", value, context.secrets);
                default -> {
                    if (TOP_LEVEL_NEVER.containsKey(key)) {
                        r.error(key, "Berth does not take '" + key + "': " + TOP_LEVEL_NEVER.get(key));
                    } else {
                        r.unknownKey("", key);
                    }
                }
            }
        }
        SortedMap<String, ServiceSpec> services = services(doc.get("services"), context);
        if (context.defaultNetworkUsed && !networks.containsKey(DocumentContext.DEFAULT_NETWORK)) {
            // as Compose: created like a declared network with no options
            networks.put(DocumentContext.DEFAULT_NETWORK, new NetworkSpec(DocumentContext.DEFAULT_NETWORK,
                    context.defaultNetworkName(), null, null, null, false, false, false, null));
        }
        if (!r.errors.isEmpty() || revision == null) {
            return new ParsedDocument.Invalid(revision, r.errors, r.warnings);
        }
        return new ParsedDocument.Valid(new DesiredState(revision, services, volumes, registries, networks, update,
                agent),
                doc, r.warnings);
    }

    private SortedMap<String, ServiceSpec> services(JsonNode node, DocumentContext context) {
        SortedMap<String, ServiceSpec> services = new TreeMap<>();
        if (node == null || node.isNull()) {
            r.error("services", "missing: a document must have 'services' (it may be {} to run nothing)");
            return services;
        }
        if (!node.isObject()) {
            r.error("services", "must be a map of service name to service, found " + Reader.describe(node));
            return services;
        }
        node.fields().forEachRemaining(e -> {
            JsonNode given = e.getValue() == null ? null : e.getValue().get("container_name");
            context.containers.put(e.getKey(), given != null && given.isTextual() ? given.asText() : e.getKey());
        });
        node.fields().forEachRemaining(e -> {
            ServiceSpec spec = ServiceReader.read(r, context, e.getKey(), e.getValue());
            if (spec != null) {
                services.put(e.getKey(), spec);
            }
        });
        DocumentChecks.all(r, context, services);
        return services;
    }
}
