package io.berth.spec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import io.berth.model.DesiredState;
import io.berth.model.Durations;
import io.berth.model.Mount;
import io.berth.model.NetworkSpec;
import io.berth.model.PortBinding;
import io.berth.model.RegistryAuth;
import io.berth.model.RestartPolicy;
import io.berth.model.RunState;
import io.berth.model.Secret;
import io.berth.model.ServiceOptions;
import io.berth.model.ServiceSpec;
import io.berth.model.UpdatePolicy;
import io.berth.model.VolumeSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates a desired-state document (PROTOCOL.md §3). Every error is collected
 * with its JSON path; nothing unknown is silently ignored.
 */
public final class DocumentParser {

    /** The largest document the agent reads: the limit holds before parsing starts. */
    public static final int MAX_BYTES = 1 << 20;
    /** The deepest nesting of maps and lists a document may have. */
    public static final int MAX_DEPTH = 64;
    /** The highest revision: 2^53, the largest integer every JSON implementation keeps exactly. */
    public static final long MAX_REVISION = 1L << 53;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxDocumentLength(MAX_BYTES)
                    .maxStringLength(MAX_BYTES)
                    .maxNumberLength(100)
                    .build())
            .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}");
    /** The engine's rule for container and volume names: at least two characters. */
    private static final Pattern CONTAINER_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{1,254}");
    private static final Pattern PORT_SPEC = Pattern.compile(
            "^(?:(?<ip>\\[[0-9a-fA-F:.]+]|\\d{1,3}(?:\\.\\d{1,3}){3}):)?(?:(?<host>\\d*(?:-\\d+)?):)?(?<container>\\d+(?:-\\d+)?)(?:/(?<proto>\\w+))?$");

    private static final Pattern DUPLICATE_KEY = Pattern.compile("^Duplicate field '([^']*)'");

    /** Compose keys Berth never takes, with what to do instead. */
    private static final Map<String, String> COMPOSE_KEYS_NEVER = Map.of(
            "build", "Berth does not build images: build and push the image to a registry, then name it in 'image'",
            "env_file", "the berth client resolves env_file before publishing; the agent takes 'environment' only",
            "secrets", "Berth has no secrets store: pass values through 'environment' or a bind-mounted file",
            "configs", "Berth has no configs store: use a bind-mounted file",
            "profiles", "publish only the services this device should run",
            "extends", "write the service out in full",
            "external_links", "put both services in the same document and use their names",
            "develop", "'develop' is for local development with Compose watch: remove it");
    /** Top-level Compose keys Berth never takes, with what to do instead. */
    private static final Map<String, String> TOP_LEVEL_NEVER = Map.of(
            "secrets", "Berth has no secrets store: pass values through 'environment' or a bind-mounted file",
            "configs", "Berth has no configs store: use a bind-mounted file",
            "include", "write the included services into this document");

    private final List<SpecError> errors = new ArrayList<>();
    private final List<SpecError> warnings = new ArrayList<>();
    /** Service name to container name, read before the services themselves so that references resolve. */
    private final Map<String, String> containers = new TreeMap<>();
    /** Top-level network key to the engine's name. */
    private final Map<String, String> networkNames = new TreeMap<>();
    /** Top-level volume key to the engine's name. */
    private final Map<String, String> volumeNames = new TreeMap<>();
    /** The published ports of every service, with their paths, for the clash check. */
    private final List<Map.Entry<String, PortBinding>> publishedPorts = new ArrayList<>();
    /** Service to the services it refers to, for the cycle check. */
    private final Map<String, Set<String>> references = new TreeMap<>();
    private final boolean revisionRequired;

    private DocumentParser(boolean revisionRequired) {
        this.revisionRequired = revisionRequired;
    }

    /** Parses JSON bytes as received over MQTT or from the state dir. */
    public static ParsedDocument parseJson(byte[] json) {
        if (json == null) {
            return new ParsedDocument.Invalid(null, List.of(new SpecError("", "the document is empty")));
        }
        if (json.length > MAX_BYTES) {
            return new ParsedDocument.Invalid(null, List.of(new SpecError("", "the document has " + json.length
                    + " bytes; the limit is " + MAX_BYTES + " (1 MiB): split the deployment or shorten it")));
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(json);
        } catch (StreamConstraintsException e) {
            return new ParsedDocument.Invalid(null, List.of(new SpecError("", "the document is too large or nested "
                    + "too deeply (at most " + MAX_DEPTH + " levels, " + MAX_BYTES + " bytes, numbers of 100 digits)")));
        } catch (JsonProcessingException e) {
            // Jackson's own message quotes the offending token, which may be a password: give only where
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            Matcher duplicate = DUPLICATE_KEY.matcher(String.valueOf(e.getOriginalMessage()));
            String why = duplicate.find() ? "the key '" + duplicate.group(1) + "' appears twice in one map"
                    : "a syntax error";
            return new ParsedDocument.Invalid(null, List.of(new SpecError("",
                    "not valid JSON: " + why + where + "; publish one JSON object")));
        } catch (IOException e) {
            return new ParsedDocument.Invalid(null, List.of(new SpecError("", "unreadable: " + e.getMessage())));
        }
        if (tree == null || tree.isMissingNode()) {
            return new ParsedDocument.Invalid(null, List.of(new SpecError("", "the document is empty")));
        }
        return parse(tree);
    }

    /** Validates a document already read into a tree (from JSON or YAML). */
    public static ParsedDocument parse(JsonNode document) {
        return new DocumentParser(true).read(document);
    }

    /**
     * Validates a document a user wrote (berth validate): a plain Compose file needs no
     * revision; the result is Valid with revision 0 when it has none.
     */
    public static ParsedDocument parseLocal(JsonNode document) {
        return new DocumentParser(false).read(document);
    }

    private ParsedDocument read(JsonNode doc) {
        if (doc == null || !doc.isObject()) {
            errors.add(new SpecError("", "the document must be a JSON object, found " + describe(doc)));
            return new ParsedDocument.Invalid(null, errors);
        }
        Long revision = revisionRequired || doc.has("revision") ? readRevision(doc.get("revision")) : Long.valueOf(0);
        SortedMap<String, VolumeSpec> volumes = new TreeMap<>();
        SortedMap<String, NetworkSpec> networks = new TreeMap<>();
        SortedMap<String, ServiceSpec> services = new TreeMap<>();
        Map<String, RegistryAuth> registries = new TreeMap<>();
        UpdatePolicy update = UpdatePolicy.DEFAULT;
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            switch (key) {
                case "revision", "services" -> { }
                case "version" -> {
                    if (!value.isTextual() && !value.isNumber()) {
                        error(key, "must be a string (it is obsolete and ignored), found " + describe(value));
                    }
                }
                case "name" -> {
                    if (!value.isTextual() || !value.asText().matches("[a-z0-9][a-z0-9_-]*")) {
                        error(key, "must be a project name of lower-case letters, digits, '_' and '-', found "
                                + describe(value));
                    }
                }
                case "volumes" -> readVolumes(value, volumes);
                case "networks" -> readNetworks(value, networks);
                case "registries" -> readRegistries(value, registries);
                case "update" -> update = readUpdate(value);
                case "target", "notAfter" -> Signatures.shapeErrors(key, value).forEach(e -> error(e.path(),
                        e.message()));
                case "signature" -> {
                    // checked against the device's trusted keys by Signatures.verify; here only its shape
                    if (!value.isObject() || !value.path("alg").isTextual() || !value.path("keyId").isTextual()
                            || !value.path("value").isTextual() || value.size() != 3) {
                        error(key, "must be {\"alg\": \"Ed25519\", \"keyId\": …, \"value\": base64}, as berth sign "
                                + "writes it");
                    } else if (!Signatures.ALG.equals(value.get("alg").asText())) {
                        error(key + ".alg", "'" + value.get("alg").asText() + "' is not taken: Berth verifies Ed25519");
                    }
                }
                default -> {
                    if (TOP_LEVEL_NEVER.containsKey(key)) {
                        error(key, "Berth does not take '" + key + "': " + TOP_LEVEL_NEVER.get(key));
                    } else {
                        unknownKey("", key);
                    }
                }
            }
        }
        JsonNode servicesNode = doc.get("services");
        if (servicesNode == null || servicesNode.isNull()) {
            error("services", "missing: a document must have 'services' (it may be {} to run nothing)");
        } else if (!servicesNode.isObject()) {
            error("services", "must be a map of service name to service, found " + describe(servicesNode));
        } else {
            servicesNode.fields().forEachRemaining(e -> {
                JsonNode given = e.getValue() == null ? null : e.getValue().get("container_name");
                containers.put(e.getKey(), given != null && given.isTextual() ? given.asText() : e.getKey());
            });
            servicesNode.fields().forEachRemaining(e -> {
                ServiceSpec spec = readService(e.getKey(), e.getValue(), volumeNames.keySet());
                if (spec != null) {
                    services.put(e.getKey(), spec);
                }
            });
            checkContainerNamesUnique(services);
            checkPortClashes();
            checkCycles();
        }
        if (!errors.isEmpty() || revision == null) {
            return new ParsedDocument.Invalid(revision, errors, warnings);
        }
        return new ParsedDocument.Valid(new DesiredState(revision, services, volumes, registries, networks, update),
                doc,
                warnings);
    }

    private void checkPortClashes() {
        for (int i = 0; i < publishedPorts.size(); i++) {
            PortBinding a = publishedPorts.get(i).getValue();
            if (a.hostPort() == 0) {
                continue;
            }
            for (int j = 0; j < i; j++) {
                PortBinding b = publishedPorts.get(j).getValue();
                boolean sameIp = a.hostIp().equals(b.hostIp()) || a.hostIp().isEmpty() || b.hostIp().isEmpty()
                        || a.hostIp().equals("0.0.0.0") || b.hostIp().equals("0.0.0.0");
                if (a.hostPort() == b.hostPort() && a.protocol().equals(b.protocol()) && sameIp) {
                    error(publishedPorts.get(i).getKey(), "host port " + (a.hostIp().isEmpty() ? "" : a.hostIp() + ":")
                            + a.hostPort() + "/" + a.protocol() + " is already published by "
                            + publishedPorts.get(j).getKey() + ": choose another host port");
                    break;
                }
            }
        }
    }

    private void checkCycles() {
        Set<String> done = new java.util.HashSet<>();
        for (String start : references.keySet()) {
            List<String> stack = new ArrayList<>();
            if (cycleFrom(start, stack, done)) {
                return; // one cycle named is enough: breaking it may break the others
            }
        }
    }

    private boolean cycleFrom(String service, List<String> stack, Set<String> done) {
        int at = stack.indexOf(service);
        if (at >= 0) {
            List<String> cycle = new ArrayList<>(stack.subList(at, stack.size()));
            cycle.add(service);
            error("services." + service, "dependency cycle " + String.join(" -> ", cycle) + " (through depends_on, "
                    + "links, volumes_from, network_mode, ipc or pid): no service can start first; remove one of them");
            return true;
        }
        if (done.contains(service)) {
            return false;
        }
        stack.add(service);
        for (String next : references.getOrDefault(service, Set.of())) {
            if (cycleFrom(next, stack, done)) {
                return true;
            }
        }
        stack.remove(stack.size() - 1);
        done.add(service);
        return false;
    }

    private Long readRevision(JsonNode node) {
        if (node == null || node.isNull()) {
            error("revision", "missing: every document needs an integer 'revision' of 1 or more, "
                    + "higher than the last one the device accepted");
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            error("revision", "must be an integer from 1 to 2^53, found " + describe(node));
            return null;
        }
        long revision = node.asLong();
        if (revision < 1) {
            error("revision", "must be 1 or more, found " + revision);
            return null;
        }
        if (revision > MAX_REVISION) {
            error("revision", "must be at most 2^53 (" + MAX_REVISION + "), found " + revision);
            return null;
        }
        return revision;
    }

    private void readVolumes(JsonNode node, SortedMap<String, VolumeSpec> out) {
        if (node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            error("volumes", "must be a map of volume name to options, found " + describe(node));
            return;
        }
        node.fields().forEachRemaining(e -> {
            String path = "volumes." + e.getKey();
            if (!NAME.matcher(e.getKey()).matches()) {
                error(path, "'" + e.getKey() + "' is not a valid volume name: use letters, digits, '_', '.', '-'");
                return;
            }
            JsonNode options = e.getValue();
            String driver = null;
            String engineName = e.getKey();
            boolean external = false;
            SortedMap<String, String> driverOpts = new TreeMap<>();
            SortedMap<String, String> labels = new TreeMap<>();
            if (options != null && !options.isNull()) {
                if (!options.isObject()) {
                    error(path, "must be a map of options or {}, found " + describe(options));
                    return;
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = options.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> option = it.next();
                    String optionPath = path + "." + option.getKey();
                    switch (option.getKey()) {
                        case "driver" -> driver = readString(optionPath, option.getValue());
                        case "driver_opts" -> driverOpts.putAll(readStringMap(optionPath, option.getValue()));
                        case "labels" -> labels.putAll(readKeyValues(optionPath, option.getValue(), "labels"));
                        case "name" -> {
                            String given = readString(optionPath, option.getValue());
                            if (given != null && !CONTAINER_NAME.matcher(given).matches()) {
                                error(optionPath, "'" + given + "' is not a volume name the engine takes: at least "
                                        + "two characters, letters, digits, '_', '.', '-'");
                            } else if (given != null) {
                                engineName = given;
                            }
                        }
                        case "external" -> external = readBoolean(optionPath, option.getValue());
                        default -> {
                            if (!option.getKey().startsWith("x-")) {
                                error(optionPath, "'" + option.getKey() + "' is not a volume option Berth takes "
                                        + "(driver, driver_opts, labels, name, external): remove it");
                            }
                        }
                    }
                }
            }
            if (external && (driver != null || !driverOpts.isEmpty())) {
                error(path, "an external volume is not created by Berth: remove driver and driver_opts");
            }
            volumeNames.put(e.getKey(), engineName);
            // keyed by the engine's name, as reports and the planner know volumes
            out.put(engineName, new VolumeSpec(engineName, driver, driverOpts, labels, external));
        });
    }

    private void readNetworks(JsonNode node, SortedMap<String, NetworkSpec> out) {
        if (node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            error("networks", "must be a map of network name to options, found " + describe(node));
            return;
        }
        node.fields().forEachRemaining(e -> {
            String path = "networks." + e.getKey();
            if (!NAME.matcher(e.getKey()).matches()) {
                error(path, "'" + e.getKey() + "' is not a valid network name: use letters, digits, '_', '.', '-'");
                return;
            }
            if (Set.of("bridge", "host", "none", "default").contains(e.getKey())) {
                error(path, "'" + e.getKey() + "' is the engine's own network: use network_mode: " + e.getKey()
                        + " in the service instead, or give the network another name");
                return;
            }
            JsonNode options = e.getValue();
            String engineName = e.getKey();
            String driver = null;
            SortedMap<String, String> driverOpts = new TreeMap<>();
            SortedMap<String, String> labels = new TreeMap<>();
            boolean external = false;
            boolean internal = false;
            boolean ipv6 = false;
            String ipamDriver = null;
            List<String> subnets = new ArrayList<>();
            if (options != null && !options.isNull()) {
                if (!options.isObject()) {
                    error(path, "must be a map of options or {}, found " + describe(options));
                    return;
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = options.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> option = it.next();
                    String optionPath = path + "." + option.getKey();
                    JsonNode v = option.getValue();
                    switch (option.getKey()) {
                        case "driver" -> driver = readString(optionPath, v);
                        case "driver_opts" -> driverOpts.putAll(readStringMap(optionPath, v));
                        case "labels" -> labels.putAll(readKeyValues(optionPath, v, "labels"));
                        case "name" -> {
                            String given = readString(optionPath, v);
                            if (given != null && !NAME.matcher(given).matches()) {
                                error(optionPath, "'" + given + "' is not a network name the engine takes");
                            } else if (given != null) {
                                engineName = given;
                            }
                        }
                        case "external" -> external = readBoolean(optionPath, v);
                        case "internal" -> internal = readBoolean(optionPath, v);
                        case "enable_ipv6" -> ipv6 = readBoolean(optionPath, v);
                        case "attachable" -> readBoolean(optionPath, v); // always attachable on one engine
                        case "ipam" -> {
                            if (!v.isObject()) {
                                error(optionPath, "must be a map (driver, config), found " + describe(v));
                                continue;
                            }
                            for (Iterator<Map.Entry<String, JsonNode>> ipam = v.fields(); ipam.hasNext(); ) {
                                Map.Entry<String, JsonNode> f = ipam.next();
                                String fp = optionPath + "." + f.getKey();
                                if (f.getKey().equals("driver")) {
                                    ipamDriver = readString(fp, f.getValue());
                                } else if (f.getKey().equals("config") && f.getValue().isArray()) {
                                    for (int i = 0; i < f.getValue().size(); i++) {
                                        JsonNode c = f.getValue().get(i);
                                        String cp = fp + "[" + i + "]";
                                        if (!c.isObject() || !c.path("subnet").isTextual()) {
                                            error(cp, "must be a map with 'subnet' (and optionally 'gateway')");
                                            continue;
                                        }
                                        c.fieldNames().forEachRemaining(k -> {
                                            if (!k.equals("subnet") && !k.equals("gateway") && !k.startsWith("x-")) {
                                                unknownKey(cp, k);
                                            }
                                        });
                                        subnets.add(c.get("subnet").asText() + (c.path("gateway").isTextual()
                                                ? "," + c.get("gateway").asText() : ""));
                                    }
                                } else {
                                    unknownKey(optionPath, f.getKey());
                                }
                            }
                        }
                        default -> unknownKey(path, option.getKey());
                    }
                }
            }
            if (external && (driver != null || !driverOpts.isEmpty() || !subnets.isEmpty())) {
                error(path, "an external network is not created by Berth: remove driver, driver_opts and ipam");
            }
            networkNames.put(e.getKey(), engineName);
            out.put(e.getKey(), new NetworkSpec(e.getKey(), engineName, driver, driverOpts, labels, external,
                    internal, ipv6, ipamDriver, subnets));
        });
    }

    /** The top-level {@code update}: strategy, rollback and healthTimeout, each optional. */
    private UpdatePolicy readUpdate(JsonNode node) {
        if (node.isNull()) {
            return UpdatePolicy.DEFAULT;
        }
        if (!node.isObject()) {
            error("update", "must be a map with 'strategy', 'rollback' and 'healthTimeout', found " + describe(node));
            return UpdatePolicy.DEFAULT;
        }
        String strategy = UpdatePolicy.DEFAULT.strategy();
        boolean rollback = UpdatePolicy.DEFAULT.rollback();
        Duration healthTimeout = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String path = "update." + f.getKey();
            switch (f.getKey()) {
                case "strategy" -> {
                    String given = readString(path, f.getValue());
                    if (UpdatePolicy.DOWNLOAD_THEN_KILL.equals(given) || UpdatePolicy.KILL_THEN_DOWNLOAD.equals(given)) {
                        strategy = given;
                    } else if (given != null) {
                        error(path, "must be '" + UpdatePolicy.DOWNLOAD_THEN_KILL + "' or '"
                                + UpdatePolicy.KILL_THEN_DOWNLOAD + "', found '" + given + "'");
                    }
                }
                case "rollback" -> rollback = readBoolean(path, f.getValue());
                case "healthTimeout" -> {
                    JsonNode v = f.getValue();
                    Duration d = v.isIntegralNumber() ? Duration.ofSeconds(v.asLong())
                            : v.isTextual() ? Durations.parse(v.asText()) : null;
                    if (d == null || d.isNegative() || d.isZero()) {
                        error(path, "must be a positive duration such as \"90s\" or \"2m\", found " + describe(v));
                    } else {
                        healthTimeout = d;
                    }
                }
                default -> unknownKey("update", f.getKey());
            }
        }
        return new UpdatePolicy(strategy, rollback, healthTimeout);
    }

    private boolean readBoolean(String path, JsonNode value) {
        if (value != null && value.isBoolean()) {
            return value.asBoolean();
        }
        error(path, "must be true or false, found " + describe(value));
        return false;
    }

    private void readRegistries(JsonNode node, Map<String, RegistryAuth> out) {
        if (node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            error("registries", "must be a map of registry host to credentials, found " + describe(node));
            return;
        }
        node.fields().forEachRemaining(e -> {
            String path = "registries." + e.getKey();
            JsonNode creds = e.getValue();
            if (!creds.isObject()) {
                // name the type only: the value may be a password
                error(path, "must be {\"username\": …, \"password\": …}, found " + typeOf(creds));
                return;
            }
            String username = null;
            String password = null;
            for (Iterator<Map.Entry<String, JsonNode>> it = creds.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                switch (f.getKey()) {
                    case "username" -> username = readString(path + ".username", f.getValue());
                    case "password" -> {
                        // never echo the value: describe only its type
                        if (f.getValue().isTextual()) {
                            password = f.getValue().asText();
                        } else {
                            error(path + ".password", "must be a string");
                        }
                    }
                    default -> unknownKey(path, f.getKey());
                }
            }
            if (username == null || password == null) {
                error(path, "needs both 'username' and 'password'");
                return;
            }
            out.put(e.getKey(), new RegistryAuth(e.getKey(), username, new Secret(password)));
        });
    }

    private ServiceSpec readService(String name, JsonNode node, Set<String> declaredVolumes) {
        String path = "services." + name;
        int errorsBefore = errors.size();
        if (!NAME.matcher(name).matches()) {
            error(path, "'" + name + "' is not a valid service name: start with a letter or digit, "
                    + "then letters, digits, '_', '.', '-'");
        }
        if (node == null || !node.isObject()) {
            error(path, "must be a map of service options, found " + describe(node));
            return null;
        }
        String image = null;
        String containerName = name;
        List<String> command = null;
        List<String> entrypoint = null;
        SortedMap<String, String> environment = new TreeMap<>();
        List<PortBinding> ports = new ArrayList<>();
        List<Mount> mounts = new ArrayList<>();
        RestartPolicy restart = RestartPolicy.NO;
        RunState state = RunState.RUNNING;
        ServiceKeys keys = new ServiceKeys(this, name, containers, networkNames);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            String keyPath = path + "." + key;
            JsonNode value = field.getValue();
            switch (key) {
                case "image" -> image = readImage(keyPath, value);
                case "container_name" -> {
                    String given = readString(keyPath, value);
                    if (given != null && !CONTAINER_NAME.matcher(given).matches()) {
                        error(keyPath, "'" + given + "' is not a container name the engine takes: at least two "
                                + "characters, starting with a letter or digit, then letters, digits, '_', '.', '-'");
                    } else if (given != null) {
                        containerName = given;
                    }
                }
                case "build" -> {
                    if (node.hasNonNull("image")) {
                        warning(keyPath, "ignored: Berth does not build images; it pulls 'image'");
                    } else {
                        error(keyPath, "Berth does not take 'build' without 'image': "
                                + COMPOSE_KEYS_NEVER.get("build"));
                    }
                }
                case "command" -> command = readCommand(keyPath, value);
                case "entrypoint" -> entrypoint = readCommand(keyPath, value);
                case "environment" -> environment = readEnvironment(keyPath, value);
                case "ports" -> ports = readPorts(keyPath, value);
                case "volumes" -> mounts = readMounts(keyPath, value, declaredVolumes);
                case "restart" -> {
                    String text = readString(keyPath, value);
                    if (text != null) {
                        restart = RestartPolicy.parse(text);
                        if (restart == null) {
                            error(keyPath, "'" + text + "' is not a restart policy: use no, always, on-failure, "
                                    + "on-failure:N or unless-stopped");
                            restart = RestartPolicy.NO;
                        }
                    }
                }
                case "state" -> {
                    String text = readString(keyPath, value);
                    if (text != null) {
                        state = RunState.fromKeyword(text);
                        if (state == null) {
                            error(keyPath, "'" + text + "' is not a state: use running or stopped");
                            state = RunState.RUNNING;
                        }
                    }
                }
                default -> {
                    if (key.startsWith("x-")) {
                        continue;
                    }
                    if (ServiceKeys.KEYS.contains(key)) {
                        keys.read(key, keyPath, value);
                    } else if (COMPOSE_KEYS_NEVER.containsKey(key)) {
                        error(keyPath, "Berth does not take '" + key + "': " + COMPOSE_KEYS_NEVER.get(key));
                    } else {
                        unknownKey(path, key);
                    }
                }
            }
        }
        if (image == null && !node.has("image") && !node.has("build")) {
            error(path + ".image", "missing: every service needs an 'image' to pull and run");
        }
        if (!node.has("container_name") && NAME.matcher(name).matches() && !CONTAINER_NAME.matcher(name).matches()) {
            error(path, "'" + name + "' would be the container's name, and the engine refuses one-character names: "
                    + "rename the service or set container_name");
        }
        ServiceOptions options = keys.out.build();
        if (options.networkMode() != null && !options.networks().isEmpty()) {
            error(path + ".network_mode", "a service with 'networks' cannot also set network_mode: keep one");
        }
        if (options.networkMode() != null && !options.networkMode().equals("bridge") && !ports.isEmpty()
                && !options.networkMode().startsWith("container:") && !options.networkMode().equals("none")) {
            warning(path + ".ports", "ignored by the engine with network_mode " + options.networkMode()
                    + ": the service uses the host's ports directly");
        }
        Set<String> refs = new java.util.TreeSet<>(keys.referenced);
        references.put(name, refs);
        if (errors.size() > errorsBefore) {
            return null;
        }
        return new ServiceSpec(name, containerName, image, command, entrypoint, environment, ports, mounts,
                restart, state, options);
    }

    private String readImage(String path, JsonNode value) {
        String image = readString(path, value);
        if (image == null) {
            return null;
        }
        if (image.isBlank() || image.chars().anyMatch(Character::isWhitespace) || image.endsWith(":")
                || image.endsWith("/") || image.endsWith("@") || image.startsWith("/") || image.contains("//")
                || image.startsWith(":")) {
            error(path, "'" + image + "' is not an image reference: name it as registry/repository:tag");
            return null;
        }
        return image;
    }

    private List<String> readCommand(String path, JsonNode value) {
        if (value.isNull()) {
            return null;
        }
        if (value.isTextual()) {
            try {
                return ShellWords.split(value.asText());
            } catch (IllegalArgumentException e) {
                error(path, e.getMessage());
                return null;
            }
        }
        if (!value.isArray()) {
            error(path, "must be a string or a list of strings, found " + describe(value));
            return null;
        }
        List<String> words = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            JsonNode word = value.get(i);
            if (word.isValueNode() && !word.isNull()) {
                words.add(word.asText());
            } else {
                error(path + "[" + i + "]", "must be a string, found " + describe(word));
            }
        }
        return words;
    }

    private SortedMap<String, String> readEnvironment(String path, JsonNode value) {
        return readKeyValues(path, value, "environment");
    }

    /**
     * A map or a {@code KEY=value} list (environment, labels, sysctls, options); numbers and
     * booleans become strings. In {@code environment} a key without a value is an error (the agent
     * does not read its own environment); elsewhere it is the empty string.
     */
    SortedMap<String, String> readKeyValues(String path, JsonNode value, String what) {
        boolean environment = what.equals("environment");
        SortedMap<String, String> env = new TreeMap<>();
        if (value == null || value.isNull()) {
            return env;
        }
        if (value.isObject()) {
            value.fields().forEachRemaining(e -> {
                String keyPath = path + "." + e.getKey();
                JsonNode v = e.getValue();
                if (v.isNull() && environment) {
                    error(keyPath, "has no value: the agent does not read its own environment; "
                            + "give the value (the berth client fills it in from yours)");
                } else if (v.isNull()) {
                    env.put(e.getKey(), "");
                } else if (v.isValueNode()) {
                    env.put(e.getKey(), v.asText());
                } else {
                    error(keyPath, "must be a string, number or boolean, found " + describe(v));
                }
            });
        } else if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                JsonNode item = value.get(i);
                String itemPath = path + "[" + i + "]";
                if (!item.isTextual()) {
                    error(itemPath, "must be a \"KEY=value\" string, found " + describe(item));
                    continue;
                }
                String text = item.asText();
                int eq = text.indexOf('=');
                if (eq == 0 || (eq < 0 && environment)) {
                    error(itemPath, "'" + text + "' has no value: write it as KEY=value");
                } else if (eq < 0) {
                    env.put(text, "");
                } else {
                    env.put(text.substring(0, eq), text.substring(eq + 1));
                }
            }
        } else {
            error(path, "must be a map or a list of KEY=value, found " + describe(value));
        }
        return env;
    }

    private List<PortBinding> readPorts(String path, JsonNode value) {
        List<PortBinding> ports = new ArrayList<>();
        if (value.isNull()) {
            return ports;
        }
        if (!value.isArray()) {
            error(path, "must be a list, found " + describe(value));
            return ports;
        }
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            String itemPath = path + "[" + i + "]";
            if (item.isIntegralNumber()) {
                if (item.asLong() > 65535) {
                    error(itemPath, "port " + item.asText() + " is out of range: ports are 1 to 65535; if you wrote "
                            + "HOST:CONTAINER unquoted, a YAML 1.1 tool read it as a base-60 number: quote it, "
                            + "e.g. \"22:22\"");
                    continue;
                }
                addPorts(itemPath, "", "", item.asText(), "tcp", ports);
            } else if (item.isTextual()) {
                Matcher m = PORT_SPEC.matcher(item.asText());
                if (!m.matches()) {
                    error(itemPath, "'" + item.asText() + "' is not a port mapping: write "
                            + "[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. 127.0.0.1:8080:80");
                    continue;
                }
                String ip = m.group("ip") == null ? "" : m.group("ip").replace("[", "").replace("]", "");
                String proto = m.group("proto") == null ? "tcp" : m.group("proto");
                addPorts(itemPath, ip, m.group("host") == null ? "" : m.group("host"), m.group("container"),
                        proto, ports);
            } else if (item.isObject()) {
                readLongPort(itemPath, item, ports);
            } else {
                error(itemPath, "must be a string such as \"127.0.0.1:8080:80\" or a map (target, published, "
                        + "host_ip, protocol), found " + describe(item));
            }
        }
        return ports;
    }

    private void readLongPort(String path, JsonNode item, List<PortBinding> ports) {
        String target = null;
        String published = "";
        String ip = "";
        String proto = "tcp";
        for (Iterator<Map.Entry<String, JsonNode>> it = item.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String p = path + "." + f.getKey();
            JsonNode v = f.getValue();
            switch (f.getKey()) {
                case "target" -> target = v.isIntegralNumber() || v.isTextual() ? v.asText() : null;
                case "published" -> published = v.isIntegralNumber() || v.isTextual() ? v.asText() : null;
                case "host_ip" -> ip = readString(p, v);
                case "protocol" -> proto = readString(p, v);
                case "mode" -> {
                    if (!"host".equals(v.asText()) && !"ingress".equals(v.asText())) {
                        error(p, "must be host or ingress (both publish on this device)");
                    }
                }
                case "name", "app_protocol" -> readString(p, v);
                default -> unknownKey(path, f.getKey());
            }
        }
        if (target == null) {
            error(path + ".target", "missing or not a port: the container port is required");
            return;
        }
        if (published == null || ip == null || proto == null) {
            error(path, "'published', 'host_ip' and 'protocol' must be strings or numbers");
            return;
        }
        if (ip.startsWith("[") && ip.endsWith("]")) {
            ip = ip.substring(1, ip.length() - 1);
        }
        addPorts(path, ip, published, target, proto, ports);
    }

    private void addPorts(String path, String ip, String host, String container, String proto,
                          List<PortBinding> out) {
        if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp")) {
            error(path, "'" + proto + "' is not a protocol: use tcp, udp or sctp");
            return;
        }
        int[] containerRange = range(path, container);
        int[] hostRange = host.isEmpty() ? null : range(path, host);
        if (containerRange == null || (!host.isEmpty() && hostRange == null)) {
            return;
        }
        int count = containerRange[1] - containerRange[0] + 1;
        boolean oneHostRange = hostRange != null && count == 1 && hostRange[1] > hostRange[0];
        if (hostRange != null && hostRange[1] - hostRange[0] + 1 != count && !oneHostRange) {
            error(path, "the host range " + host + " and the container range " + container
                    + " must have the same length");
            return;
        }
        if (oneHostRange) {
            error(path, "a host port range for one container port (" + host + ") lets the engine pick any of them: "
                    + "Berth needs one host port per container port; name one");
            return;
        }
        for (int i = 0; i < count; i++) {
            int hostPort = hostRange == null ? 0 : hostRange[0] + i;
            PortBinding binding = new PortBinding(ip.equals("0.0.0.0") ? "" : ip, hostPort, containerRange[0] + i,
                    proto);
            out.add(binding);
            publishedPorts.add(Map.entry(path, binding));
        }
    }

    private int[] range(String path, String text) {
        String[] parts = text.split("-", 2);
        try {
            int low = Integer.parseInt(parts[0]);
            int high = parts.length == 2 ? Integer.parseInt(parts[1]) : low;
            if (low < 1 || high > 65535 || high < low) {
                error(path, "port " + text + " is out of range: ports are 1 to 65535");
                return null;
            }
            return new int[] {low, high};
        } catch (NumberFormatException e) {
            error(path, "'" + text + "' is not a port number");
            return null;
        }
    }

    private List<Mount> readMounts(String path, JsonNode value, Set<String> declaredVolumes) {
        List<Mount> mounts = new ArrayList<>();
        if (value.isNull()) {
            return mounts;
        }
        if (!value.isArray()) {
            error(path, "must be a list, found " + describe(value));
            return mounts;
        }
        Set<String> targets = new java.util.HashSet<>();
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            String itemPath = path + "[" + i + "]";
            Mount mount;
            if (item.isTextual()) {
                mount = readMount(itemPath, item.asText(), declaredVolumes);
            } else if (item.isObject()) {
                mount = readLongMount(itemPath, item, declaredVolumes);
            } else {
                error(itemPath, "must be a string such as \"data:/data\" or \"/host/path:/path:ro\", or a map "
                        + "(type, source, target), found " + describe(item));
                continue;
            }
            if (mount != null && !targets.add(mount.target())) {
                error(itemPath, "'" + mount.target() + "' is mounted twice in this service: keep one");
            } else if (mount != null) {
                mounts.add(mount);
            }
        }
        return mounts;
    }

    private static final Set<String> PROPAGATIONS = Set.of("rprivate", "private", "rshared", "shared", "rslave",
            "slave");

    private Mount readMount(String path, String text, Set<String> declaredVolumes) {
        String[] parts = text.split(":", -1);
        if (parts.length == 1) {
            if (!text.startsWith("/")) {
                error(path, "'" + text + "' must be SOURCE:TARGET[:MODE], or an absolute container path for an "
                        + "anonymous volume");
                return null;
            }
            return new Mount(Mount.Type.VOLUME, "", text, false);
        }
        if (parts.length > 3) {
            error(path, "'" + text + "' must be SOURCE:TARGET[:MODE]");
            return null;
        }
        boolean readOnly = false;
        String selinux = null;
        String propagation = null;
        boolean noCopy = false;
        if (parts.length == 3) {
            for (String mode : parts[2].split(",")) {
                switch (mode) {
                    case "ro" -> readOnly = true;
                    case "rw", "cached", "delegated", "consistent" -> { } // the latter: macOS only, ignored as by Compose
                    case "z", "Z" -> selinux = mode;
                    case "nocopy" -> noCopy = true;
                    default -> {
                        if (PROPAGATIONS.contains(mode)) {
                            propagation = mode;
                        } else {
                            error(path, "mode '" + mode + "' is not a mount mode: use ro, rw, z, Z, nocopy or a "
                                    + "propagation (rslave, rshared, rprivate…)");
                            return null;
                        }
                    }
                }
            }
        }
        return mount(path, parts[0], parts[1], readOnly, propagation, selinux, noCopy, declaredVolumes, null);
    }

    private Mount readLongMount(String path, JsonNode item, Set<String> declaredVolumes) {
        String type = null;
        String source = null;
        String target = null;
        boolean readOnly = false;
        String propagation = null;
        String selinux = null;
        boolean noCopy = false;
        Long tmpfsSize = null;
        Integer tmpfsMode = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = item.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String p = path + "." + f.getKey();
            JsonNode v = f.getValue();
            switch (f.getKey()) {
                case "type" -> type = readString(p, v);
                case "source" -> source = readString(p, v);
                case "target" -> target = readString(p, v);
                case "read_only" -> readOnly = readBoolean(p, v);
                case "consistency" -> readString(p, v);
                case "bind", "volume", "tmpfs" -> {
                    if (!v.isObject()) {
                        error(p, "must be a map, found " + describe(v));
                        continue;
                    }
                    for (Iterator<Map.Entry<String, JsonNode>> o = v.fields(); o.hasNext(); ) {
                        Map.Entry<String, JsonNode> option = o.next();
                        String op = p + "." + option.getKey();
                        JsonNode ov = option.getValue();
                        switch (f.getKey() + "." + option.getKey()) {
                            case "bind.propagation" -> {
                                propagation = readString(op, ov);
                                if (propagation != null && !PROPAGATIONS.contains(propagation)) {
                                    error(op, "'" + propagation + "' is not a propagation: use one of "
                                            + new java.util.TreeSet<>(PROPAGATIONS));
                                }
                            }
                            case "bind.create_host_path" -> readBoolean(op, ov); // always created, as by Compose
                            case "bind.selinux" -> {
                                selinux = readString(op, ov);
                                if (selinux != null && !selinux.equals("z") && !selinux.equals("Z")) {
                                    error(op, "must be z or Z");
                                }
                            }
                            case "volume.nocopy" -> noCopy = readBoolean(op, ov);
                            case "tmpfs.size" -> {
                                tmpfsSize = Values.size(ov);
                                if (tmpfsSize == null) {
                                    error(op, describe(ov) + " is not a size: write e.g. 64m");
                                }
                            }
                            case "tmpfs.mode" -> {
                                if (ov.isIntegralNumber()) {
                                    tmpfsMode = ov.asInt();
                                } else if (ov.isTextual() && ov.asText().matches("0?[0-7]{3,4}")) {
                                    tmpfsMode = Integer.parseInt(ov.asText(), 8);
                                } else {
                                    error(op, "must be a file mode such as 1777, found " + describe(ov));
                                }
                            }
                            default -> unknownKey(p, option.getKey());
                        }
                    }
                }
                default -> unknownKey(path, f.getKey());
            }
        }
        if (target == null) {
            error(path + ".target", "missing: the path in the container is required");
            return null;
        }
        if (type == null) {
            error(path + ".type", "missing: use volume, bind or tmpfs");
            return null;
        }
        switch (type) {
            case "tmpfs" -> {
                if (!target.startsWith("/")) {
                    error(path + ".target", "'" + target + "' must be an absolute path in the container");
                    return null;
                }
                return new Mount(Mount.Type.TMPFS, "", target, readOnly, null, null, false, tmpfsSize, tmpfsMode);
            }
            case "volume" -> {
                if (source == null || source.isEmpty()) {
                    if (!target.startsWith("/")) {
                        error(path + ".target", "'" + target + "' must be an absolute path in the container");
                        return null;
                    }
                    return new Mount(Mount.Type.VOLUME, "", target, readOnly, null, null, noCopy, null, null);
                }
                if (source.startsWith("/") || source.startsWith(".")) {
                    error(path + ".source", "'" + source + "' is a path: use type bind for host paths");
                    return null;
                }
                return mount(path, source, target, readOnly, null, null, noCopy, declaredVolumes, "volume");
            }
            case "bind" -> {
                if (source == null || (!source.startsWith("/") && !source.startsWith("."))) {
                    error(path + ".source", "a bind needs a host path (absolute, or ./relative to the data root), "
                            + "found " + (source == null ? "nothing" : "'" + source + "'"));
                    return null;
                }
                return mount(path, source, target, readOnly, propagation, selinux, false, declaredVolumes, "bind");
            }
            default -> {
                error(path + ".type", "'" + type + "' is not a mount type Berth takes: use volume, bind or tmpfs");
                return null;
            }
        }
    }

    /** A short or long mount, after its syntax: checks the source and resolves named volumes to engine names. */
    private Mount mount(String path, String source, String target, boolean readOnly, String propagation,
                        String selinux, boolean noCopy, Set<String> declaredVolumes, String type) {
        if (!target.startsWith("/")) {
            error(path, "the target '" + target + "' must be an absolute path in the container");
            return null;
        }
        if (source.startsWith("/")) {
            if (java.util.Arrays.asList(source.split("/")).contains("..")) {
                error(path, "the host path '" + source + "' must not contain '..'");
                return null;
            }
            return new Mount(Mount.Type.BIND, source, target, readOnly, propagation, selinux, false, null, null);
        }
        if (source.equals(".") || source.startsWith("./")) {
            String relative = relativeBind(path, source);
            return relative == null ? null
                    : new Mount(Mount.Type.BIND, relative, target, readOnly, propagation, selinux, false, null, null);
        }
        if (source.startsWith(".") || source.startsWith("~") || source.contains("/") || source.startsWith("$")) {
            error(path, "'" + source + "' is not a host path Berth takes: write an absolute path, a path under the "
                    + "device's data root as ./" + (source.startsWith("~/") ? source.substring(2) : "NAME")
                    + ", or the name of a declared volume");
            return null;
        }
        if (!declaredVolumes.contains(source)) {
            error(path, "volume '" + source + "' is not declared: add it under the top-level 'volumes'");
            return null;
        }
        if (propagation != null || selinux != null) {
            error(path, "propagation and z/Z apply to host paths, not to the volume '" + source + "'");
            return null;
        }
        return new Mount(Mount.Type.VOLUME, volumeNames.getOrDefault(source, source), target, readOnly, null, null,
                noCopy, null, null);
    }

    /** {@code ./a/b/..} → {@code ./a}; null (with an error) when it leaves the data root. */
    private String relativeBind(String path, String source) {
        java.util.Deque<String> parts = new java.util.ArrayDeque<>();
        for (String part : source.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    error(path, "'" + source + "' leaves the device's data root: relative paths stay under it");
                    return null;
                }
                parts.removeLast();
            } else {
                parts.addLast(part);
            }
        }
        return parts.isEmpty() ? "./" : "./" + String.join("/", parts);
    }

    private void checkContainerNamesUnique(Map<String, ServiceSpec> services) {
        Map<String, String> owners = new TreeMap<>();
        services.forEach((name, spec) -> {
            String other = owners.putIfAbsent(spec.containerName(), name);
            if (other != null) {
                // blame the service that chose the name with container_name
                boolean thisOneChose = !spec.containerName().equals(name);
                String culprit = thisOneChose ? name : other;
                String victim = thisOneChose ? other : name;
                error("services." + culprit + ".container_name", "container name '" + spec.containerName()
                        + "' is already used by service '" + victim + "': each container needs its own name");
            }
        });
    }

    private String readString(String path, JsonNode value) {
        if (value != null && value.isTextual()) {
            return value.asText();
        }
        error(path, "must be a string, found " + describe(value));
        return null;
    }

    private Map<String, String> readStringMap(String path, JsonNode value) {
        Map<String, String> map = new TreeMap<>();
        if (value == null || !value.isObject()) {
            error(path, "must be a map of strings, found " + describe(value));
            return map;
        }
        value.fields().forEachRemaining(e -> {
            if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                map.put(e.getKey(), e.getValue().asText());
            } else {
                error(path + "." + e.getKey(), "must be a string, found " + describe(e.getValue()));
            }
        });
        return map;
    }

    void unknownKey(String parent, String key) {
        if (key.startsWith("x-")) {
            return;
        }
        String path = parent.isEmpty() ? key : parent + "." + key;
        error(path, "unknown key '" + key + "': check its spelling against PROTOCOL.md §3, or remove it");
    }

    private static boolean isEmptyMap(JsonNode node) {
        return node.isNull() || (node.isObject() && node.isEmpty());
    }

    void error(String path, String message) {
        errors.add(new SpecError(path, message));
    }

    void warning(String path, String message) {
        warnings.add(new SpecError(path, message));
    }

    private static String typeOf(JsonNode node) {
        return node == null ? "nothing" : node.isObject() ? "a map" : node.isArray() ? "a list"
                : node.isTextual() ? "a string" : node.isNull() ? "null" : "a " + node.getNodeType().name().toLowerCase();
    }

    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        JsonNodeType type = node.getNodeType();
        return switch (type) {
            case NULL -> "null";
            case OBJECT -> "a map";
            case ARRAY -> "a list";
            case STRING -> "the string \"" + abbreviate(node.asText()) + "\"";
            case BOOLEAN -> "the boolean " + node.asText();
            case NUMBER -> "the number " + node.asText();
            default -> type.name().toLowerCase();
        };
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
