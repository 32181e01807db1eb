package io.berth.engine.docker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.api.model.VolumesFrom;
import io.berth.model.Mount;
import io.berth.model.PortBinding;
import io.berth.model.RestartPolicy;
import io.berth.model.ServiceOptions;
import io.berth.model.ServiceSpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The engine's container settings for one service: every key of the normalized spec mapped to
 * the Docker Engine API's container create request (the reference page docs/desired-state.md
 * lists the mapping), written as the JSON the engine takes. Ports, mounts, networks and the
 * container's own config are mapped here; what the service asks of the host (resources, devices,
 * privileges, namespaces, DNS) by {@link HostSettings}.
 *
 * @param extraNetworks networks to connect before the first start (API 1.41 takes one at create):
 *                      each network's endpoint settings
 * @param anonymousVolumes the volume for each anonymous mount path (spec or image), mounted by name
 */
record ContainerSettings(ServiceSpec spec, Map<String, String> labels, Map<String, ObjectNode> extraNetworks,
                         Map<String, String> anonymousVolumes) {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    static ContainerSettings of(ServiceSpec spec, Map<String, String> labels) {
        return of(spec, labels, Map.of());
    }

    static ContainerSettings of(ServiceSpec spec, Map<String, String> labels, Map<String, String> anonymousVolumes) {
        Map<String, ObjectNode> extra = new LinkedHashMap<>();
        List<String> order = networkOrder(spec.options());
        for (String network : order.subList(Math.min(1, order.size()), order.size())) {
            extra.put(network, endpoint(spec, spec.options().networks().get(network)));
        }
        return new ContainerSettings(spec, labels, extra, Map.copyOf(anonymousVolumes));
    }

    /** The service's networks in the order they are joined: highest {@code priority} first, then by name. */
    static List<String> networkOrder(ServiceOptions o) {
        List<String> names = new ArrayList<>(o.networks().keySet());
        names.sort(java.util.Comparator.comparingInt((String n) -> {
            Integer priority = o.networks().get(n).priority();
            return priority == null ? 0 : -priority;
        }));
        return names;
    }

    /** A network's endpoint settings: the aliases (the service's name first) and fixed addresses. */
    private static ObjectNode endpoint(ServiceSpec spec, ServiceOptions.NetworkAttachment attachment) {
        // as Compose: the service's name is always an alias, so services find each other by name
        Set<String> aliases = new LinkedHashSet<>();
        aliases.add(spec.name());
        aliases.addAll(attachment.aliases());
        ObjectNode network = JSON.objectNode();
        EngineJson.putArray(network, "Aliases", aliases);
        if (attachment.ipv4Address() != null || attachment.ipv6Address() != null) {
            ObjectNode ipam = network.putObject("IPAMConfig");
            putText(ipam, "IPv4Address", attachment.ipv4Address());
            putText(ipam, "IPv6Address", attachment.ipv6Address());
        }
        return network;
    }

    /** The create request's path: {@code /containers/create?name=…[&platform=…]}. */
    String path() {
        String platform = spec.options().platform();
        return "/containers/create?name=" + URLEncoder.encode(spec.containerName(), StandardCharsets.UTF_8)
                + (platform == null ? "" : "&platform=" + URLEncoder.encode(platform, StandardCharsets.UTF_8));
    }

    /** The create request's body. */
    ObjectNode body() {
        ServiceOptions o = spec.options();
        ObjectNode bindings = JSON.objectNode();
        Set<String> exposed = new LinkedHashSet<>();
        for (PortBinding p : spec.ports()) {
            String port = p.containerPort() + "/" + p.protocol().toLowerCase(java.util.Locale.ROOT);
            exposed.add(port);
            ArrayNode list = bindings.has(port) ? (ArrayNode) bindings.get(port) : bindings.putArray(port);
            list.addObject().put("HostIp", p.hostIp()).put("HostPort", p.hostPort() == 0 ? "" : String.valueOf(p.hostPort()));
        }
        for (String e : o.expose()) {
            exposed.add(e.contains("/") ? e : e + "/tcp");
        }
        List<String> binds = new ArrayList<>();
        List<String> anonymous = new ArrayList<>();
        Map<String, String> tmpfs = new LinkedHashMap<>(o.tmpfs());
        for (Mount m : spec.mounts()) {
            if (m.type() == Mount.Type.TMPFS) {
                tmpfs.put(m.target(), m.tmpfsOptions());
            } else if (m.type() == Mount.Type.VOLUME && m.source().isEmpty()) {
                if (!anonymousVolumes.containsKey(m.target())) {
                    anonymous.add(m.target());
                }
            } else {
                // docker-java's reading of the bind syntax, as the engine has always been sent it
                // (plain model classes: no client, no Jackson)
                binds.add(Bind.parse(m.bindSpec()).toString());
            }
        }
        // anonymous volumes by name: the predecessor's (kept across a recreate) or labelled new ones
        anonymousVolumes.forEach((path, name) -> binds.add(new Bind(name, new Volume(path)).toString()));
        ObjectNode host = JSON.objectNode();
        EngineJson.putArray(host, "Binds", binds);
        host.set("PortBindings", bindings);
        RestartPolicy restart = spec.restart();
        host.putObject("RestartPolicy")
                .put("Name", restart.kind() == RestartPolicy.Kind.NO ? "" : restart.kind().keyword())
                .put("MaximumRetryCount", restart.maxRetries());
        EngineJson.putStringsIfAny(host, "Tmpfs", tmpfs);
        if (!o.volumesFrom().isEmpty()) {
            EngineJson.putArray(host, "VolumesFrom", o.volumesFrom().stream().map(v -> VolumesFrom.parse(v).toString())
                    .toList());
        }
        if (!o.links().isEmpty()) {
            EngineJson.putArray(host, "Links", links(o));
        }
        String firstNetwork = o.networks().isEmpty() ? null : networkOrder(o).get(0);
        if (firstNetwork != null) {
            host.put("NetworkMode", firstNetwork);
        } else if (o.networkMode() != null) {
            host.put("NetworkMode", o.networkMode());
        }
        HostSettings.apply(o, host);

        ObjectNode body = JSON.objectNode();
        putText(body, "Hostname", o.hostname());
        putText(body, "Domainname", o.domainname());
        putText(body, "User", o.user());
        if (o.tty()) {
            body.put("Tty", true);
        }
        if (o.stdinOpen()) {
            body.put("OpenStdin", true);
        }
        EngineJson.putArray(body, "Env", spec.environment().entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).toList());
        if (spec.command() != null) {
            EngineJson.putArray(body, "Cmd", spec.command());
        }
        if (o.healthcheck() != null) {
            body.set("Healthcheck", healthcheck(o.healthcheck()));
        }
        if (spec.entrypoint() != null) {
            EngineJson.putArray(body, "Entrypoint", spec.entrypoint());
        }
        body.put("Image", spec.image());
        if (!anonymous.isEmpty()) {
            ObjectNode volumes = body.putObject("Volumes");
            anonymous.forEach(path -> volumes.putObject(path));
        }
        putText(body, "WorkingDir", o.workingDir());
        putText(body, "MacAddress", o.host().macAddress());
        ObjectNode ports = body.putObject("ExposedPorts");
        exposed.forEach(ports::putObject);
        putText(body, "StopSignal", o.stopSignal());
        if (o.stopGraceNanos() != null) {
            body.put("StopTimeout", (int) Math.min(Integer.MAX_VALUE, Math.max(0, o.stopGraceNanos() / 1_000_000_000L)));
        }
        body.set("HostConfig", host);
        EngineJson.putStrings(body, "Labels", withServiceLabels(o));
        if (firstNetwork != null) {
            // the first network's endpoint at create (the others are connected before the first start);
            // on a network of its own a container's links live in its endpoint
            ObjectNode endpoint = endpoint(spec, o.networks().get(firstNetwork));
            if (!o.links().isEmpty() && userDefined(firstNetwork)) {
                EngineJson.putArray(endpoint, "Links", links(o));
            }
            body.putObject("NetworkingConfig").putObject("EndpointsConfig").set(firstNetwork, endpoint);
        }
        return body;
    }

    /** A network of the user's, not one of the engine's own modes. */
    private static boolean userDefined(String network) {
        return !Set.of("default", "bridge", "host", "none").contains(network) && !network.startsWith("container:");
    }

    /** {@code CONTAINER:ALIAS}, the alias the container's name where none is given. */
    private static List<String> links(ServiceOptions o) {
        return o.links().stream().map(l -> l.contains(":") ? l : l + ":" + l).toList();
    }

    private static ObjectNode healthcheck(ServiceOptions.Healthcheck h) {
        ObjectNode check = JSON.objectNode();
        if (h.intervalNanos() != null) {
            check.put("Interval", h.intervalNanos());
        }
        if (h.timeoutNanos() != null) {
            check.put("Timeout", h.timeoutNanos());
        }
        EngineJson.putArrayIfAny(check, "Test", h.test());
        if (h.retries() != null) {
            check.put("Retries", h.retries());
        }
        if (h.startPeriodNanos() != null) {
            check.put("StartPeriod", h.startPeriodNanos());
        }
        if (h.startIntervalNanos() != null) {
            check.put("StartInterval", h.startIntervalNanos());
        }
        return check;
    }

    /** Sets a text field when there is a value. */
    static void putText(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    /** The service's own labels, under Berth's (which win). */
    private Map<String, String> withServiceLabels(ServiceOptions o) {
        Map<String, String> all = new LinkedHashMap<>(o.labels());
        all.putAll(labels);
        return all;
    }
}
