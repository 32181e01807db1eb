package io.berth.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import io.berth.model.DesiredState;
import io.berth.model.Mount;
import io.berth.model.PortBinding;
import io.berth.model.RegistryAuth;
import io.berth.model.RestartPolicy;
import io.berth.model.RunState;
import io.berth.model.Secret;
import io.berth.model.ServiceSpec;
import io.berth.model.VolumeSpec;
import java.io.IOException;
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

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    private static final Pattern PORT_SPEC = Pattern.compile(
            "^(?:(?<ip>\\[[0-9a-fA-F:.]+]|\\d{1,3}(?:\\.\\d{1,3}){3}):)?(?:(?<host>\\d*(?:-\\d+)?):)?(?<container>\\d+(?:-\\d+)?)(?:/(?<proto>\\w+))?$");

    private static final Pattern DUPLICATE_KEY = Pattern.compile("^Duplicate field '([^']*)'");

    /** Compose service keys this version does not map yet: rejected with a pointer, not as unknown. */
    private static final Set<String> COMPOSE_KEYS_NOT_YET = Set.of(
            "expose", "tmpfs", "volumes_from", "networks", "network_mode", "links", "hostname", "domainname",
            "working_dir", "user", "group_add", "read_only", "labels", "mem_limit", "mem_reservation", "cpus",
            "shm_size", "devices", "device_cgroup_rules", "privileged", "cap_add", "cap_drop", "security_opt",
            "sysctls", "ulimits", "ipc", "pid", "tty", "stdin_open", "platform", "runtime", "healthcheck",
            "stop_grace_period", "stop_signal", "depends_on", "logging", "init", "pull_policy", "extra_hosts",
            "dns", "dns_search", "deploy");
    /** Compose keys Berth never takes, with what to do instead. */
    private static final Map<String, String> COMPOSE_KEYS_NEVER = Map.of(
            "build", "Berth does not build images: build and push the image to a registry, then name it in 'image'",
            "env_file", "the berth client resolves env_file before publishing; the agent takes 'environment' only",
            "secrets", "Berth has no secrets store: pass values through 'environment' or a bind-mounted file",
            "configs", "Berth has no configs store: use a bind-mounted file",
            "profiles", "publish only the services this device should run",
            "extends", "write the service out in full",
            "external_links", "put both services in the same document and use their names");

    private final List<SpecError> errors = new ArrayList<>();

    private DocumentParser() {}

    /** Parses JSON bytes as received over MQTT or from the state dir. */
    public static ParsedDocument parseJson(byte[] json) {
        JsonNode tree;
        try {
            tree = JSON.readTree(json);
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
        return new DocumentParser().read(document);
    }

    private ParsedDocument read(JsonNode doc) {
        if (!doc.isObject()) {
            errors.add(new SpecError("", "the document must be a JSON object, found " + describe(doc)));
            return new ParsedDocument.Invalid(null, errors);
        }
        Long revision = readRevision(doc.get("revision"));
        SortedMap<String, VolumeSpec> volumes = new TreeMap<>();
        SortedMap<String, ServiceSpec> services = new TreeMap<>();
        Map<String, RegistryAuth> registries = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            switch (key) {
                case "revision", "version", "name" -> { }
                case "volumes" -> readVolumes(value, volumes);
                case "services" -> { }
                case "networks" -> {
                    if (!isEmptyMap(value)) {
                        error("networks", "custom networks are not supported by this version of Berth yet; "
                                + "services run on the engine's default bridge network: remove 'networks'");
                    }
                }
                case "registries" -> readRegistries(value, registries);
                case "update", "signature" -> error(key, "'" + key
                        + "' is not supported by this version of Berth yet: remove it");
                default -> unknownKey("", key);
            }
        }
        JsonNode servicesNode = doc.get("services");
        if (servicesNode == null || servicesNode.isNull()) {
            error("services", "missing: a document must have 'services' (it may be {} to run nothing)");
        } else if (!servicesNode.isObject()) {
            error("services", "must be a map of service name to service, found " + describe(servicesNode));
        } else {
            servicesNode.fields().forEachRemaining(e -> {
                ServiceSpec spec = readService(e.getKey(), e.getValue(), volumes.keySet());
                if (spec != null) {
                    services.put(e.getKey(), spec);
                }
            });
            checkContainerNamesUnique(services);
        }
        if (!errors.isEmpty() || revision == null) {
            return new ParsedDocument.Invalid(revision, errors);
        }
        return new ParsedDocument.Valid(new DesiredState(revision, services, volumes, registries), doc);
    }

    private Long readRevision(JsonNode node) {
        if (node == null || node.isNull()) {
            error("revision", "missing: every document needs an integer 'revision' of 1 or more, "
                    + "higher than the last one the device accepted");
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            error("revision", "must be an integer of 1 or more, found " + describe(node));
            return null;
        }
        long revision = node.asLong();
        if (revision < 1) {
            error("revision", "must be 1 or more, found " + revision);
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
                        case "labels" -> labels.putAll(readStringMap(optionPath, option.getValue()));
                        default -> {
                            if (!option.getKey().startsWith("x-")) {
                                error(optionPath, "'" + option.getKey() + "' is not a volume option this version of "
                                        + "Berth takes (driver, driver_opts, labels): remove it");
                            }
                        }
                    }
                }
            }
            out.put(e.getKey(), new VolumeSpec(e.getKey(), driver, driverOpts, labels));
        });
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
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            String keyPath = path + "." + key;
            JsonNode value = field.getValue();
            switch (key) {
                case "image" -> image = readImage(keyPath, value);
                case "container_name" -> {
                    String given = readString(keyPath, value);
                    if (given != null && !NAME.matcher(given).matches()) {
                        error(keyPath, "'" + given + "' is not a valid container name: letters, digits, '_', '.', '-'");
                    } else if (given != null) {
                        containerName = given;
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
                    if (COMPOSE_KEYS_NEVER.containsKey(key)) {
                        error(keyPath, "Berth does not take '" + key + "': " + COMPOSE_KEYS_NEVER.get(key));
                    } else if (COMPOSE_KEYS_NOT_YET.contains(key)) {
                        error(keyPath, "'" + key + "' is not supported by this version of Berth yet: remove it");
                    } else {
                        unknownKey(path, key);
                    }
                }
            }
        }
        if (image == null && !node.has("image")) {
            error(path + ".image", "missing: every service needs an 'image' to pull and run");
        }
        if (errors.size() > errorsBefore) {
            return null;
        }
        return new ServiceSpec(name, containerName, image, command, entrypoint, environment, ports, mounts,
                restart, state);
    }

    private String readImage(String path, JsonNode value) {
        String image = readString(path, value);
        if (image == null) {
            return null;
        }
        if (image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
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
        SortedMap<String, String> env = new TreeMap<>();
        if (value.isNull()) {
            return env;
        }
        if (value.isObject()) {
            value.fields().forEachRemaining(e -> {
                String keyPath = path + "." + e.getKey();
                JsonNode v = e.getValue();
                if (v.isNull()) {
                    error(keyPath, "has no value: the agent does not read its own environment; "
                            + "give the value (the berth client fills it in from yours)");
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
                if (eq <= 0) {
                    error(itemPath, "'" + text + "' has no value: write it as KEY=value");
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
            } else {
                error(itemPath, "must be a string such as \"127.0.0.1:8080:80\", found " + describe(item)
                        + " (the long syntax is not supported by this version of Berth yet)");
            }
        }
        return ports;
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
        if (hostRange != null && hostRange[1] - hostRange[0] + 1 != count) {
            error(path, "the host range " + host + " and the container range " + container
                    + " must have the same length");
            return;
        }
        for (int i = 0; i < count; i++) {
            int hostPort = hostRange == null ? 0 : hostRange[0] + i;
            out.add(new PortBinding(ip, hostPort, containerRange[0] + i, proto));
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
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            String itemPath = path + "[" + i + "]";
            if (!item.isTextual()) {
                error(itemPath, "must be a string such as \"data:/data\" or \"/host/path:/path:ro\", found "
                        + describe(item) + " (the long syntax is not supported by this version of Berth yet)");
                continue;
            }
            Mount mount = readMount(itemPath, item.asText(), declaredVolumes);
            if (mount != null) {
                mounts.add(mount);
            }
        }
        return mounts;
    }

    private Mount readMount(String path, String text, Set<String> declaredVolumes) {
        String[] parts = text.split(":", -1);
        if (parts.length < 2 || parts.length > 3) {
            error(path, "'" + text + "' must be SOURCE:TARGET[:MODE] (anonymous volumes are not supported by "
                    + "this version of Berth yet: name the volume)");
            return null;
        }
        String source = parts[0];
        String target = parts[1];
        boolean readOnly = false;
        if (parts.length == 3) {
            switch (parts[2]) {
                case "ro" -> readOnly = true;
                case "rw" -> readOnly = false;
                default -> {
                    error(path, "mode '" + parts[2] + "' is not supported by this version of Berth yet: use ro or rw");
                    return null;
                }
            }
        }
        if (!target.startsWith("/")) {
            error(path, "the target '" + target + "' must be an absolute path in the container");
            return null;
        }
        if (source.startsWith("/")) {
            if (source.contains("/../") || source.endsWith("/..")) {
                error(path, "the host path '" + source + "' must not contain '..'");
                return null;
            }
            return new Mount(Mount.Type.BIND, source, target, readOnly);
        }
        if (source.startsWith(".") || source.startsWith("~") || source.contains("/")) {
            error(path, "'" + source + "' is not supported by this version of Berth yet: use an absolute "
                    + "host path or a named volume");
            return null;
        }
        if (!declaredVolumes.contains(source)) {
            error(path, "volume '" + source + "' is not declared: add it under the top-level 'volumes'");
            return null;
        }
        return new Mount(Mount.Type.VOLUME, source, target, readOnly);
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

    private void unknownKey(String parent, String key) {
        if (key.startsWith("x-")) {
            return;
        }
        String path = parent.isEmpty() ? key : parent + "." + key;
        error(path, "unknown key '" + key + "': check its spelling against PROTOCOL.md §3, or remove it");
    }

    private static boolean isEmptyMap(JsonNode node) {
        return node.isNull() || (node.isObject() && node.isEmpty());
    }

    private void error(String path, String message) {
        errors.add(new SpecError(path, message));
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
