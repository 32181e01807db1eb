package io.berth.spec;

import static io.berth.spec.DocumentParser.describe;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.ServiceOptions;
import io.berth.model.ServiceOptions.Dependency;
import io.berth.model.ServiceOptions.DeviceMapping;
import io.berth.model.ServiceOptions.GpuRequest;
import io.berth.model.ServiceOptions.Healthcheck;
import io.berth.model.ServiceOptions.Logging;
import io.berth.model.ServiceOptions.NetworkAttachment;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The Compose service keys beyond image, command, environment, ports, volumes and restart
 * (PROTOCOL.md §3), read into {@link ServiceOptions.Builder}. Errors go to the parser with their path.
 */
final class ServiceKeys {

    /** The keys this class reads. */
    static final Set<String> KEYS = Set.of("expose", "tmpfs", "volumes_from", "networks", "network_mode", "links",
            "hostname", "domainname", "working_dir", "user", "group_add", "read_only", "labels", "mem_limit",
            "mem_reservation", "cpus", "shm_size", "devices", "device_cgroup_rules", "privileged", "cap_add",
            "cap_drop", "security_opt", "sysctls", "ulimits", "ipc", "pid", "tty", "stdin_open", "platform",
            "runtime", "healthcheck", "stop_grace_period", "stop_signal", "depends_on", "logging", "init",
            "pull_policy", "extra_hosts", "dns", "dns_search", "deploy");

    static final Set<String> CAPABILITIES = Set.of("ALL", "AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE",
            "BLOCK_SUSPEND", "BPF", "CHECKPOINT_RESTORE", "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER",
            "FSETID", "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE", "LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE",
            "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_RAW", "PERFMON", "SETFCAP", "SETGID",
            "SETPCAP", "SETUID", "SYS_ADMIN", "SYS_BOOT", "SYS_CHROOT", "SYS_MODULE", "SYS_NICE", "SYS_PACCT",
            "SYS_PTRACE", "SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "SYSLOG", "WAKE_ALARM");
    private static final Pattern ULIMIT = Pattern.compile("[a-z]+");
    private static final Pattern HOSTNAME = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9.-]{0,252})?");
    private static final Pattern EXPOSE = Pattern.compile("(\\d+)(?:-(\\d+))?(?:/(tcp|udp|sctp))?");
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    private final DocumentParser parser;
    private final String service;
    /** Service name to its container name, for every service of the document. */
    private final Map<String, String> containers;
    /** Top-level network key to the engine's network name. */
    private final Map<String, String> networks;
    final ServiceOptions.Builder out = new ServiceOptions.Builder();

    ServiceKeys(DocumentParser parser, String service, Map<String, String> containers, Map<String, String> networks) {
        this.parser = parser;
        this.service = service;
        this.containers = containers;
        this.networks = networks;
    }

    private void error(String path, String message) {
        parser.error(path, message);
    }

    void read(String key, String path, JsonNode value) {
        switch (key) {
            case "expose" -> list(path, value, true, (p, v) -> expose(p, v));
            case "tmpfs" -> list(path, value, true, (p, v) -> {
                String text = scalar(p, v);
                if (text == null) {
                    return;
                }
                int colon = text.indexOf(':');
                String target = colon < 0 ? text : text.substring(0, colon);
                if (!target.startsWith("/")) {
                    error(p, "'" + text + "' must be an absolute path in the container, with options after ':'");
                } else {
                    out.tmpfs.put(target, colon < 0 ? "" : text.substring(colon + 1));
                }
            });
            case "volumes_from" -> list(path, value, false, (p, v) -> {
                String text = scalar(p, v);
                if (text == null) {
                    return;
                }
                String[] parts = text.split(":");
                String mode = parts.length > 1 && (parts[parts.length - 1].equals("ro")
                        || parts[parts.length - 1].equals("rw")) ? parts[parts.length - 1] : null;
                if (parts[0].equals("container")) {
                    error(p, "'" + text + "': Berth takes volumes only from services of the same document: name the "
                            + "service");
                    return;
                }
                if (parts.length > (mode == null ? 1 : 2)) {
                    error(p, "'" + text + "' must be SERVICE[:ro|:rw]");
                    return;
                }
                String container = serviceContainer(p, parts[0], "volumes_from");
                if (container != null) {
                    out.volumesFrom.add(container + (mode == null ? "" : ":" + mode));
                }
            });
            case "networks" -> readNetworks(path, value);
            case "network_mode" -> {
                String mode = string(path, value);
                if (mode == null) {
                    return;
                }
                if (mode.equals("bridge") || mode.equals("host") || mode.equals("none")) {
                    out.networkMode = mode;
                } else if (mode.startsWith("service:")) {
                    String container = serviceContainer(path, mode.substring(8), "network_mode");
                    out.networkMode = container == null ? null : "container:" + container;
                } else if (mode.startsWith("container:")) {
                    error(path, "'" + mode + "': Berth does not join containers it does not manage: use "
                            + "service:NAME with a service of the same document");
                } else {
                    error(path, "'" + mode + "' is not a network mode: use bridge, host, none or service:NAME "
                            + "(for a custom network, use 'networks')");
                }
            }
            case "links" -> list(path, value, false, (p, v) -> {
                String text = scalar(p, v);
                if (text == null) {
                    return;
                }
                String[] parts = text.split(":", -1);
                if (parts.length > 2 || parts[parts.length - 1].isEmpty()) {
                    error(p, "'" + text + "' must be SERVICE or SERVICE:ALIAS");
                    return;
                }
                String container = serviceContainer(p, parts[0], "links");
                if (container != null) {
                    out.links.add(container + ":" + (parts.length == 2 ? parts[1] : parts[0]));
                }
            });
            case "hostname" -> out.hostname = hostname(path, value);
            case "domainname" -> out.domainname = hostname(path, value);
            case "working_dir" -> {
                String dir = string(path, value);
                if (dir != null && !dir.startsWith("/")) {
                    error(path, "'" + dir + "' must be an absolute path in the container");
                } else {
                    out.workingDir = dir;
                }
            }
            case "user" -> out.user = scalar(path, value);
            case "group_add" -> list(path, value, false, (p, v) -> {
                String group = scalar(p, v);
                if (group != null) {
                    out.groupAdd.add(group);
                }
            });
            case "read_only" -> out.readOnly = bool(path, value);
            case "labels" -> out.labels.putAll(parser.readKeyValues(path, value, "labels"));
            case "mem_limit" -> out.memLimit = merge(path, out.memLimit, size(path, value), "deploy.resources.limits.memory");
            case "mem_reservation" -> out.memReservation = size(path, value);
            case "shm_size" -> out.shmSize = size(path, value);
            case "cpus" -> out.nanoCpus = merge(path, out.nanoCpus, cpus(path, value), "deploy.resources.limits.cpus");
            case "devices" -> list(path, value, false, this::device);
            case "device_cgroup_rules" -> list(path, value, false, (p, v) -> {
                String rule = string(p, v);
                if (rule != null && !rule.matches("[abc] (\\d+|\\*):(\\d+|\\*) [rwm]{1,3}")) {
                    error(p, "'" + rule + "' is not a device cgroup rule: write TYPE MAJOR:MINOR PERMS, e.g. 'c 189:* rmw'");
                } else if (rule != null) {
                    out.deviceCgroupRules.add(rule);
                }
            });
            case "privileged" -> out.privileged = bool(path, value);
            case "cap_add" -> list(path, value, false, (p, v) -> capability(p, v, out.capAdd));
            case "cap_drop" -> list(path, value, false, (p, v) -> capability(p, v, out.capDrop));
            case "security_opt" -> list(path, value, false, (p, v) -> {
                String opt = string(p, v);
                if (opt != null) {
                    out.securityOpt.add(opt);
                }
            });
            case "sysctls" -> out.sysctls.putAll(parser.readKeyValues(path, value, "sysctls"));
            case "ulimits" -> readUlimits(path, value);
            case "ipc" -> out.ipc = sharedMode(path, value, Set.of("none", "private", "shareable", "host"));
            case "pid" -> out.pid = sharedMode(path, value, Set.of("host"));
            case "tty" -> out.tty = bool(path, value);
            case "stdin_open" -> out.stdinOpen = bool(path, value);
            case "platform" -> {
                String platform = string(path, value);
                if (platform != null && !platform.matches("[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?")) {
                    error(path, "'" + platform + "' is not a platform: write OS/ARCH[/VARIANT], e.g. linux/arm64");
                } else {
                    out.platform = platform;
                }
            }
            case "runtime" -> out.runtime = string(path, value);
            case "healthcheck" -> out.healthcheck = healthcheck(path, value);
            case "stop_grace_period" -> out.stopGraceNanos = duration(path, value);
            case "stop_signal" -> {
                String text = scalar(path, value);
                if (text != null) {
                    out.stopSignal = Values.signal(text);
                    if (out.stopSignal == null) {
                        error(path, "'" + text + "' is not a signal: use a name such as SIGTERM, SIGINT, SIGQUIT, "
                                + "or a number 1 to 64");
                    }
                }
            }
            case "depends_on" -> readDependsOn(path, value);
            case "logging" -> out.logging = logging(path, value);
            case "init" -> out.init = bool(path, value) ? Boolean.TRUE : null;
            case "pull_policy" -> {
                String policy = string(path, value);
                if (policy == null) {
                    return;
                }
                switch (policy) {
                    case "missing", "if_not_present" -> out.pullPolicy = "missing";
                    case "always", "never" -> out.pullPolicy = policy;
                    case "build" -> error(path, "'build': Berth does not build images: use missing, always or never");
                    default -> error(path, "'" + policy + "' is not a pull policy: use missing, always or never");
                }
            }
            case "extra_hosts" -> readExtraHosts(path, value);
            case "dns" -> list(path, value, true, (p, v) -> {
                String ip = string(p, v);
                if (ip != null && !IPV4.matcher(ip).matches() && !ip.contains(":")) {
                    error(p, "'" + ip + "' is not an IP address of a DNS server");
                } else if (ip != null) {
                    out.dns.add(ip);
                }
            });
            case "dns_search" -> list(path, value, true, (p, v) -> {
                String domain = string(p, v);
                if (domain != null) {
                    out.dnsSearch.add(domain);
                }
            });
            case "deploy" -> readDeploy(path, value);
            default -> throw new IllegalArgumentException(key);
        }
    }

    // ---- small typed readers ------------------------------------------------------------------

    interface ItemReader {
        void read(String path, JsonNode item);
    }

    /** A list; where {@code scalarToo}, a single scalar stands for a list of one, as Compose allows. */
    private void list(String path, JsonNode value, boolean scalarToo, ItemReader reader) {
        if (value.isNull()) {
            return;
        }
        if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                reader.read(path + "[" + i + "]", value.get(i));
            }
        } else if (scalarToo && value.isValueNode()) {
            reader.read(path, value);
        } else {
            error(path, "must be a list, found " + describe(value));
        }
    }

    private String string(String path, JsonNode value) {
        if (value.isTextual()) {
            return value.asText();
        }
        error(path, "must be a string, found " + describe(value));
        return null;
    }

    /** A string, or a number taken as its text (a user id, a port). */
    private String scalar(String path, JsonNode value) {
        if (value.isTextual() || value.isNumber()) {
            return value.asText();
        }
        error(path, "must be a string, found " + describe(value));
        return null;
    }

    private boolean bool(String path, JsonNode value) {
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        String hint = value.isTextual() && value.asText().matches("(?i)yes|no|on|off|y|n|true|false")
                ? " (YAML 1.2 reads '" + value.asText() + "' as a string: write true or false)" : "";
        error(path, "must be true or false, found " + describe(value) + hint);
        return false;
    }

    private Long size(String path, JsonNode value) {
        Long bytes = Values.size(value);
        if (bytes == null) {
            error(path, describe(value) + " is not a size: write a number of bytes or use a unit, e.g. 512m, 1g, 64k");
        }
        return bytes;
    }

    private Long cpus(String path, JsonNode value) {
        Long nanos = Values.nanoCpus(value);
        if (nanos == null) {
            error(path, describe(value) + " is not a number of cpus: write a number above 0, e.g. 0.5 or 2");
        }
        return nanos;
    }

    private Long duration(String path, JsonNode value) {
        Long nanos = Values.durationNanos(value);
        if (nanos == null) {
            error(path, describe(value) + " is not a duration: write it like 500ms, 10s, 1m30s or 2h");
        }
        return nanos;
    }

    /** Two keys for one setting (mem_limit and deploy.resources.limits.memory): equal or an error. */
    private Long merge(String path, Long before, Long now, String other) {
        if (before != null && now != null && !before.equals(now)) {
            error(path, "disagrees with " + other + " of the same service: set one of them");
        }
        return now != null ? now : before;
    }

    private String hostname(String path, JsonNode value) {
        String name = string(path, value);
        if (name != null && !HOSTNAME.matcher(name).matches()) {
            error(path, "'" + name + "' is not a host name: letters, digits, '-' and '.'");
            return null;
        }
        return name;
    }

    private String serviceContainer(String path, String name, String key) {
        String container = containers.get(name);
        if (container == null) {
            error(path, "'" + name + "' in " + key + " is not a service of this document: name one of "
                    + (containers.isEmpty() ? "its services" : String.join(", ", new TreeSet<>(containers.keySet()))));
            return null;
        }
        if (name.equals(service)) {
            error(path, "service '" + service + "' cannot name itself in " + key);
            return null;
        }
        referenced.add(name);
        return container;
    }

    /** The services this one refers to (links, volumes_from, network_mode, ipc, pid, depends_on), for cycles. */
    final Set<String> referenced = new TreeSet<>();

    private String sharedMode(String path, JsonNode value, Set<String> allowed) {
        String mode = string(path, value);
        if (mode == null) {
            return null;
        }
        if (allowed.contains(mode)) {
            return mode;
        }
        if (mode.startsWith("service:")) {
            String container = serviceContainer(path, mode.substring(8), path.substring(path.lastIndexOf('.') + 1));
            return container == null ? null : "container:" + container;
        }
        error(path, "'" + mode + "' is not taken: use " + String.join(", ", new TreeSet<>(allowed)) + " or service:NAME");
        return null;
    }

    private void expose(String path, JsonNode value) {
        String text = scalar(path, value);
        if (text == null) {
            return;
        }
        var m = EXPOSE.matcher(text);
        if (!m.matches()) {
            error(path, "'" + text + "' is not a port to expose: write PORT[-PORT][/PROTOCOL], e.g. 8080 or 53/udp");
            return;
        }
        int low = Integer.parseInt(m.group(1));
        int high = m.group(2) == null ? low : Integer.parseInt(m.group(2));
        if (low < 1 || high > 65535 || high < low) {
            error(path, "port " + text + " is out of range: ports are 1 to 65535");
            return;
        }
        for (int port = low; port <= high; port++) {
            out.expose.add(port + "/" + (m.group(3) == null ? "tcp" : m.group(3)));
        }
    }

    private void capability(String path, JsonNode value, Set<String> into) {
        String text = string(path, value);
        if (text == null) {
            return;
        }
        String cap = text.toUpperCase(java.util.Locale.ROOT);
        cap = cap.startsWith("CAP_") ? cap.substring(4) : cap;
        if (!CAPABILITIES.contains(cap)) {
            error(path, "'" + text + "' is not a Linux capability: use a name such as NET_ADMIN or SYS_TIME");
            return;
        }
        into.add(cap);
    }

    private void device(String path, JsonNode value) {
        String host;
        String container;
        String perms;
        if (value.isObject()) {
            host = null;
            container = null;
            perms = "rwm";
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String p = path + "." + f.getKey();
                switch (f.getKey()) {
                    case "source" -> host = string(p, f.getValue());
                    case "target" -> container = string(p, f.getValue());
                    case "permissions" -> perms = string(p, f.getValue());
                    default -> parser.unknownKey(path, f.getKey());
                }
            }
            if (host == null) {
                error(path, "needs 'source', the device's path on the host");
                return;
            }
        } else {
            String text = string(path, value);
            if (text == null) {
                return;
            }
            String[] parts = text.split(":", -1);
            if (parts.length > 3) {
                error(path, "'" + text + "' must be HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]");
                return;
            }
            host = parts[0];
            container = parts.length > 1 ? parts[1] : null;
            perms = parts.length > 2 ? parts[2] : "rwm";
            if (parts.length == 2 && parts[1].matches("[rwm]{1,3}")) {
                container = null;
                perms = parts[1];
            }
        }
        if (!host.startsWith("/")) {
            error(path, "'" + host + "' is not a device path on the host: Berth takes host paths such as "
                    + "/dev/ttyUSB0 (not CDI device names)");
            return;
        }
        if (container != null && !container.startsWith("/")) {
            error(path, "the container path '" + container + "' must be absolute");
            return;
        }
        if (perms == null || !perms.matches("[rwm]{1,3}")) {
            error(path, "permissions '" + perms + "' must be made of r, w and m");
            return;
        }
        out.devices.add(new DeviceMapping(host, container == null ? host : container, perms));
    }

    private void readNetworks(String path, JsonNode value) {
        if (value.isNull()) {
            return;
        }
        if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                String key = string(path + "[" + i + "]", value.get(i));
                if (key != null) {
                    attach(path + "[" + i + "]", key, null);
                }
            }
        } else if (value.isObject()) {
            value.fields().forEachRemaining(e -> attach(path + "." + e.getKey(), e.getKey(), e.getValue()));
        } else {
            error(path, "must be a list of network names or a map, found " + describe(value));
        }
    }

    private void attach(String path, String key, JsonNode options) {
        String engineName = networks.get(key);
        if (engineName == null) {
            error(path, "network '" + key + "' is not declared: add it under the top-level 'networks'");
            return;
        }
        TreeSet<String> aliases = new TreeSet<>();
        String ipv4 = null;
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                error(path, "must be a map (aliases, ipv4_address) or null, found " + describe(options));
                return;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = options.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String p = path + "." + f.getKey();
                switch (f.getKey()) {
                    case "aliases" -> list(p, f.getValue(), false, (ip, v) -> {
                        String alias = hostname(ip, v);
                        if (alias != null) {
                            aliases.add(alias);
                        }
                    });
                    case "ipv4_address" -> {
                        ipv4 = string(p, f.getValue());
                        if (ipv4 != null && !IPV4.matcher(ipv4).matches()) {
                            error(p, "'" + ipv4 + "' is not an IPv4 address");
                        }
                    }
                    default -> parser.unknownKey(path, f.getKey());
                }
            }
        }
        out.networks.put(engineName, new NetworkAttachment(aliases, ipv4));
    }

    private void readUlimits(String path, JsonNode value) {
        if (!value.isObject()) {
            error(path, "must be a map of limit name to a number or {soft, hard}, found " + describe(value));
            return;
        }
        value.fields().forEachRemaining(e -> {
            String p = path + "." + e.getKey();
            if (!ULIMIT.matcher(e.getKey()).matches()) {
                error(p, "'" + e.getKey() + "' is not a ulimit name, such as nofile or nproc");
                return;
            }
            JsonNode v = e.getValue();
            if (v.isIntegralNumber()) {
                out.ulimits.put(e.getKey(), new ServiceOptions.Ulimit(v.asLong(), v.asLong()));
            } else if (v.isObject() && v.path("soft").isIntegralNumber() && v.path("hard").isIntegralNumber()
                    && v.size() == 2) {
                long soft = v.get("soft").asLong();
                long hard = v.get("hard").asLong();
                if (soft > hard) {
                    error(p, "soft limit " + soft + " is above the hard limit " + hard);
                } else {
                    out.ulimits.put(e.getKey(), new ServiceOptions.Ulimit(soft, hard));
                }
            } else {
                error(p, "must be a number or {soft: N, hard: N}, found " + describe(v));
            }
        });
    }

    private Healthcheck healthcheck(String path, JsonNode value) {
        if (!value.isObject()) {
            error(path, "must be a map (test, interval, timeout, retries, start_period, disable), found "
                    + describe(value));
            return null;
        }
        List<String> test = new ArrayList<>();
        Long interval = null;
        Long timeout = null;
        Long startPeriod = null;
        Long startInterval = null;
        Integer retries = null;
        boolean disable = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String p = path + "." + f.getKey();
            JsonNode v = f.getValue();
            switch (f.getKey()) {
                case "test" -> {
                    if (v.isTextual()) {
                        test = List.of("CMD-SHELL", v.asText());
                    } else if (v.isArray() && v.size() > 0) {
                        List<String> words = new ArrayList<>();
                        v.forEach(w -> words.add(w.isValueNode() ? w.asText() : null));
                        String first = words.get(0);
                        if (words.contains(null)) {
                            error(p, "must be a list of strings");
                        } else if (first.equals("NONE") && words.size() == 1) {
                            test = words;
                        } else if ((first.equals("CMD") || first.equals("CMD-SHELL")) && words.size() > 1) {
                            test = words;
                        } else {
                            error(p, "a list test starts with CMD or CMD-SHELL and a command, or is [\"NONE\"]");
                        }
                    } else {
                        error(p, "must be a command string or a list such as [\"CMD\", \"curl\", \"-f\", "
                                + "\"http://localhost\"], found " + describe(v));
                    }
                }
                case "interval" -> interval = duration(p, v);
                case "timeout" -> timeout = duration(p, v);
                case "start_period" -> startPeriod = duration(p, v);
                case "start_interval" -> startInterval = duration(p, v);
                case "retries" -> {
                    if (v.isIntegralNumber() && v.asInt() >= 0 && v.canConvertToInt()) {
                        retries = v.asInt();
                    } else {
                        error(p, "must be a whole number of 0 or more, found " + describe(v));
                    }
                }
                case "disable" -> disable = bool(p, v);
                default -> parser.unknownKey(path, f.getKey());
            }
        }
        if (disable) {
            return new Healthcheck(List.of("NONE"), null, null, null, null, null);
        }
        return new Healthcheck(test, interval, timeout, retries, startPeriod, startInterval);
    }

    private void readDependsOn(String path, JsonNode value) {
        if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                String name = string(path + "[" + i + "]", value.get(i));
                if (name != null && serviceContainer(path + "[" + i + "]", name, "depends_on") != null) {
                    out.dependsOn.put(name, new Dependency("service_started", false, true));
                }
            }
            return;
        }
        if (!value.isObject()) {
            error(path, "must be a list of services or a map of service to {condition}, found " + describe(value));
            return;
        }
        value.fields().forEachRemaining(e -> {
            String p = path + "." + e.getKey();
            if (serviceContainer(p, e.getKey(), "depends_on") == null) {
                return;
            }
            String condition = "service_started";
            boolean restart = false;
            boolean required = true;
            JsonNode options = e.getValue();
            if (options != null && !options.isNull()) {
                if (!options.isObject()) {
                    error(p, "must be a map (condition, restart, required), found " + describe(options));
                    return;
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = options.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> f = it.next();
                    String fp = p + "." + f.getKey();
                    switch (f.getKey()) {
                        case "condition" -> {
                            String c = string(fp, f.getValue());
                            if (c != null && !Set.of("service_started", "service_healthy",
                                    "service_completed_successfully").contains(c)) {
                                error(fp, "'" + c + "' is not a condition: use service_started, service_healthy or "
                                        + "service_completed_successfully");
                            } else if (c != null) {
                                condition = c;
                            }
                        }
                        case "restart" -> restart = bool(fp, f.getValue());
                        case "required" -> required = bool(fp, f.getValue());
                        default -> parser.unknownKey(p, f.getKey());
                    }
                }
            }
            out.dependsOn.put(e.getKey(), new Dependency(condition, restart, required));
        });
    }

    private Logging logging(String path, JsonNode value) {
        if (!value.isObject()) {
            error(path, "must be a map (driver, options), found " + describe(value));
            return null;
        }
        String driver = "json-file";
        SortedMap<String, String> options = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String p = path + "." + f.getKey();
            switch (f.getKey()) {
                case "driver" -> {
                    String d = string(p, f.getValue());
                    if (d != null && !Set.of("json-file", "local", "journald", "syslog", "none", "gelf", "fluentd",
                            "awslogs", "splunk", "etwlogs", "gcplogs", "logentries", "loki").contains(d)) {
                        error(p, "'" + d + "' is not a logging driver the engine knows: use json-file, local, "
                                + "journald, syslog or none");
                    } else if (d != null) {
                        driver = d;
                    }
                }
                case "options" -> {
                    if (!f.getValue().isNull()) {
                        options.putAll(parser.readKeyValues(p, f.getValue(), "options"));
                    }
                }
                default -> parser.unknownKey(path, f.getKey());
            }
        }
        return new Logging(driver, options);
    }

    private void readExtraHosts(String path, JsonNode value) {
        if (value.isObject()) {
            value.fields().forEachRemaining(e -> {
                String ip = scalar(path + "." + e.getKey(), e.getValue());
                if (ip != null) {
                    out.extraHosts.add(e.getKey() + ":" + ip);
                }
            });
            return;
        }
        list(path, value, false, (p, v) -> {
            String text = string(p, v);
            if (text == null) {
                return;
            }
            int sep = text.indexOf('=');
            sep = sep < 0 ? text.indexOf(':') : sep;
            if (sep <= 0 || sep == text.length() - 1) {
                error(p, "'" + text + "' must be HOST:IP, e.g. somehost:192.168.1.10");
                return;
            }
            out.extraHosts.add(text.substring(0, sep) + ":" + text.substring(sep + 1));
        });
    }

    private void readDeploy(String path, JsonNode value) {
        if (!value.isObject()) {
            error(path, "must be a map, found " + describe(value));
            return;
        }
        value.fields().forEachRemaining(e -> {
            String p = path + "." + e.getKey();
            if (e.getKey().startsWith("x-")) {
                return;
            }
            if (!e.getKey().equals("resources")) {
                error(p, "Berth takes only deploy.resources ('" + e.getKey() + "' is for Swarm): use 'restart' for "
                        + "restart_policy, one device runs one replica, and remove the rest");
                return;
            }
            JsonNode resources = e.getValue();
            if (!resources.isObject()) {
                error(p, "must be a map (limits, reservations), found " + describe(resources));
                return;
            }
            resources.fields().forEachRemaining(r -> {
                String rp = p + "." + r.getKey();
                JsonNode section = r.getValue();
                if (!section.isObject()) {
                    error(rp, "must be a map, found " + describe(section));
                    return;
                }
                section.fields().forEachRemaining(s -> {
                    String sp = rp + "." + s.getKey();
                    String both = r.getKey() + "." + s.getKey();
                    switch (both) {
                        case "limits.memory" -> out.memLimit = merge(sp, out.memLimit, size(sp, s.getValue()), "mem_limit");
                        case "limits.cpus" -> out.nanoCpus = merge(sp, out.nanoCpus, cpus(sp, s.getValue()), "cpus");
                        case "reservations.memory" -> out.memReservation = size(sp, s.getValue());
                        case "reservations.devices" -> list(sp, s.getValue(), false, this::gpu);
                        default -> {
                            if (!s.getKey().startsWith("x-")) {
                                error(sp, "'" + both + "' is not taken: Berth takes limits.memory, limits.cpus, "
                                        + "reservations.memory and reservations.devices");
                            }
                        }
                    }
                });
            });
        });
    }

    private void gpu(String path, JsonNode value) {
        if (!value.isObject()) {
            error(path, "must be a map (capabilities, driver, count, device_ids, options), found " + describe(value));
            return;
        }
        String driver = null;
        Integer count = null;
        List<String> ids = new ArrayList<>();
        List<String> caps = new ArrayList<>();
        SortedMap<String, String> options = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String p = path + "." + f.getKey();
            JsonNode v = f.getValue();
            switch (f.getKey()) {
                case "driver" -> driver = string(p, v);
                case "count" -> {
                    if (v.isTextual() && v.asText().equals("all")) {
                        count = -1;
                    } else if (v.isIntegralNumber() && v.canConvertToInt() && v.asInt() > 0) {
                        count = v.asInt();
                    } else {
                        error(p, "must be a number above 0 or \"all\", found " + describe(v));
                    }
                }
                case "device_ids" -> list(p, v, false, (ip, iv) -> {
                    String id = scalar(ip, iv);
                    if (id != null) {
                        ids.add(id);
                    }
                });
                case "capabilities" -> list(p, v, false, (ip, iv) -> {
                    String cap = string(ip, iv);
                    if (cap != null) {
                        caps.add(cap);
                    }
                });
                case "options" -> options.putAll(parser.readKeyValues(p, v, "options"));
                default -> parser.unknownKey(path, f.getKey());
            }
        }
        if (caps.isEmpty()) {
            error(path, "needs 'capabilities', e.g. [gpu]");
            return;
        }
        if (count != null && !ids.isEmpty()) {
            error(path, "set 'count' or 'device_ids', not both");
            return;
        }
        out.gpus.add(new GpuRequest(driver, count, ids, caps, options));
    }
}
