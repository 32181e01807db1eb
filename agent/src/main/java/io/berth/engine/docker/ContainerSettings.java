package io.berth.engine.docker;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HealthCheck;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.Link;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.api.model.VolumesFrom;
import io.berth.model.Mount;
import io.berth.model.PortBinding;
import io.berth.model.ServiceOptions;
import io.berth.model.ServiceSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The engine's container settings for one service: every key of the normalized spec mapped to
 * the Docker Engine API (the reference page docs/desired-state.md lists the mapping). Ports,
 * mounts, networks and the container's own config are mapped here; what the service asks of the
 * host (resources, devices, privileges, namespaces, DNS) by {@link HostSettings}.
 *
 * @param extraNetworks networks to connect before the first start (API 1.41 takes one at create)
 * @param anonymousVolumes the volume for each anonymous mount path (spec or image), mounted by name
 */
record ContainerSettings(ServiceSpec spec, Map<String, String> labels, Map<String, ContainerNetwork> extraNetworks,
                         Map<String, String> anonymousVolumes) {

    static ContainerSettings of(ServiceSpec spec, Map<String, String> labels) {
        return of(spec, labels, Map.of());
    }

    static ContainerSettings of(ServiceSpec spec, Map<String, String> labels, Map<String, String> anonymousVolumes) {
        Map<String, ContainerNetwork> extra = new LinkedHashMap<>();
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

    private static ContainerNetwork endpoint(ServiceSpec spec, ServiceOptions.NetworkAttachment attachment) {
        // as Compose: the service's name is always an alias, so services find each other by name
        Set<String> aliases = new LinkedHashSet<>();
        aliases.add(spec.name());
        aliases.addAll(attachment.aliases());
        ContainerNetwork network = new ContainerNetwork().withAliases(new ArrayList<>(aliases));
        if (attachment.ipv4Address() != null || attachment.ipv6Address() != null) {
            network.withIpamConfig(new ContainerNetwork.Ipam().withIpv4Address(attachment.ipv4Address())
                    .withIpv6Address(attachment.ipv6Address()));
        }
        return network;
    }

    void applyTo(CreateContainerCmd cmd) {
        ServiceOptions o = spec.options();
        Ports bindings = new Ports();
        Set<ExposedPort> exposed = new LinkedHashSet<>();
        for (PortBinding p : spec.ports()) {
            ExposedPort port = new ExposedPort(p.containerPort(), InternetProtocol.parse(p.protocol()));
            exposed.add(port);
            bindings.bind(port, new Ports.Binding(p.hostIp().isEmpty() ? null : p.hostIp(),
                    p.hostPort() == 0 ? null : String.valueOf(p.hostPort())));
        }
        for (String e : o.expose()) {
            exposed.add(ExposedPort.parse(e));
        }
        List<Bind> binds = new ArrayList<>();
        List<Volume> anonymous = new ArrayList<>();
        Map<String, String> tmpfs = new LinkedHashMap<>(o.tmpfs());
        for (Mount m : spec.mounts()) {
            if (m.type() == Mount.Type.TMPFS) {
                tmpfs.put(m.target(), m.tmpfsOptions());
            } else if (m.type() == Mount.Type.VOLUME && m.source().isEmpty()) {
                if (!anonymousVolumes.containsKey(m.target())) {
                    anonymous.add(new Volume(m.target()));
                }
            } else {
                binds.add(Bind.parse(m.bindSpec()));
            }
        }
        // anonymous volumes by name: the predecessor's (kept across a recreate) or labelled new ones
        anonymousVolumes.forEach((path, name) -> binds.add(new Bind(name, new Volume(path))));
        HostConfig host = HostConfig.newHostConfig()
                .withPortBindings(bindings)
                .withBinds(binds)
                .withRestartPolicy(com.github.dockerjava.api.model.RestartPolicy.parse(spec.restart().toString()));
        if (!tmpfs.isEmpty()) {
            host.withTmpFs(tmpfs);
        }
        if (!o.volumesFrom().isEmpty()) {
            host.withVolumesFrom(o.volumesFrom().stream().map(VolumesFrom::parse).toList());
        }
        if (!o.links().isEmpty()) {
            host.withLinks(o.links().stream().map(Link::parse).toList());
        }
        String firstNetwork = o.networks().isEmpty() ? null : networkOrder(o).get(0);
        if (firstNetwork != null) {
            host.withNetworkMode(firstNetwork);
        } else if (o.networkMode() != null) {
            host.withNetworkMode(o.networkMode());
        }
        HostSettings.apply(o, host);
        if (o.host().macAddress() != null) {
            cmd.withMacAddress(o.host().macAddress());
        }

        cmd.withName(spec.containerName())
                .withLabels(withServiceLabels(o))
                .withEnv(spec.environment().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                .withExposedPorts(new ArrayList<>(exposed))
                .withHostConfig(host);
        if (!anonymous.isEmpty()) {
            cmd.withVolumes(anonymous);
        }
        if (spec.command() != null) {
            cmd.withCmd(spec.command());
        }
        if (spec.entrypoint() != null) {
            cmd.withEntrypoint(spec.entrypoint());
        }
        if (firstNetwork != null) {
            ContainerNetwork endpoint = endpoint(spec, o.networks().get(firstNetwork));
            cmd.withAliases(endpoint.getAliases());
            if (o.networks().get(firstNetwork).ipv4Address() != null) {
                cmd.withIpv4Address(o.networks().get(firstNetwork).ipv4Address());
            }
            if (o.networks().get(firstNetwork).ipv6Address() != null) {
                cmd.withIpv6Address(o.networks().get(firstNetwork).ipv6Address());
            }
        }
        if (o.hostname() != null) {
            cmd.withHostName(o.hostname());
        }
        if (o.domainname() != null) {
            cmd.withDomainName(o.domainname());
        }
        if (o.workingDir() != null) {
            cmd.withWorkingDir(o.workingDir());
        }
        if (o.user() != null) {
            cmd.withUser(o.user());
        }
        if (o.tty()) {
            cmd.withTty(true);
        }
        if (o.stdinOpen()) {
            cmd.withStdinOpen(true);
        }
        if (o.platform() != null) {
            cmd.withPlatform(o.platform());
        }
        if (o.stopSignal() != null) {
            cmd.withStopSignal(o.stopSignal());
        }
        if (o.stopGraceNanos() != null) {
            cmd.withStopTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(0, o.stopGraceNanos() / 1_000_000_000L)));
        }
        if (o.healthcheck() != null) {
            ServiceOptions.Healthcheck h = o.healthcheck();
            HealthCheck check = new HealthCheck();
            if (!h.test().isEmpty()) {
                check.withTest(h.test());
            }
            if (h.intervalNanos() != null) {
                check.withInterval(h.intervalNanos());
            }
            if (h.timeoutNanos() != null) {
                check.withTimeout(h.timeoutNanos());
            }
            if (h.retries() != null) {
                check.withRetries(h.retries());
            }
            if (h.startPeriodNanos() != null) {
                check.withStartPeriod(h.startPeriodNanos());
            }
            if (h.startIntervalNanos() != null) {
                check.withStartInterval(h.startIntervalNanos());
            }
            cmd.withHealthcheck(check);
        }
    }

    /** The service's own labels, under Berth's (which win). */
    private Map<String, String> withServiceLabels(ServiceOptions o) {
        Map<String, String> all = new LinkedHashMap<>(o.labels());
        all.putAll(labels);
        return all;
    }
}
