package io.berth.engine.docker;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.model.HostOptions;
import io.berth.model.ServiceOptions;
import java.util.List;

/**
 * What a service asks of the host its container runs on, mapped to the engine's
 * {@code HostConfig}: resources (memory, CPUs, shared memory, ulimits, pids, blkio, cgroups),
 * devices and GPUs, privileges (privileged, capabilities, security options, extra groups, a
 * read-only root), sysctls, namespaces (ipc, pid, user, uts), DNS and extra hosts, the runtime,
 * init and the log driver. {@link ContainerSettings} maps the rest of the spec (ports, mounts,
 * networks, the container's own config) and hands these keys here; a key the spec leaves unset
 * is left unset, so the engine's default applies.
 */
final class HostSettings {
    private HostSettings() {}

    /** Sets the host keys of {@code o} on {@code host} (the JSON of the engine's HostConfig). */
    static void apply(ServiceOptions o, ObjectNode host) {
        EngineJson.putArrayIfAny(host, "GroupAdd", o.groupAdd());
        if (o.readOnly()) {
            host.put("ReadonlyRootfs", true);
        }
        putLong(host, "Memory", o.memLimit());
        putLong(host, "MemoryReservation", o.memReservation());
        putLong(host, "NanoCpus", o.nanoCpus());
        putLong(host, "ShmSize", o.shmSize());
        if (!o.devices().isEmpty()) {
            ArrayNode devices = host.putArray("Devices");
            o.devices().forEach(d -> devices.addObject().put("CgroupPermissions", d.permissions())
                    .put("PathInContainer", d.container()).put("PathOnHost", d.host()));
        }
        EngineJson.putArrayIfAny(host, "DeviceCgroupRules", o.deviceCgroupRules());
        if (o.privileged()) {
            host.put("Privileged", true);
        }
        EngineJson.putArrayIfAny(host, "CapAdd", o.capAdd());
        EngineJson.putArrayIfAny(host, "CapDrop", o.capDrop());
        EngineJson.putArrayIfAny(host, "SecurityOpt", o.securityOpt());
        EngineJson.putStringsIfAny(host, "Sysctls", o.sysctls());
        if (!o.ulimits().isEmpty()) {
            ArrayNode ulimits = host.putArray("Ulimits");
            o.ulimits().forEach((name, u) -> ulimits.addObject().put("Name", name).put("Soft", u.soft()).put("Hard", u.hard()));
        }
        ContainerSettings.putText(host, "IpcMode", o.ipc());
        ContainerSettings.putText(host, "PidMode", o.pid());
        ContainerSettings.putText(host, "Runtime", o.runtime());
        if (o.logging() != null) {
            ObjectNode log = host.putObject("LogConfig").put("Type", o.logging().driver());
            EngineJson.putStringsIfAny(log, "Config", o.logging().options());
        }
        if (o.init() != null) {
            host.put("Init", o.init());
        }
        EngineJson.putArrayIfAny(host, "ExtraHosts", o.extraHosts());
        EngineJson.putArrayIfAny(host, "Dns", o.dns());
        EngineJson.putArrayIfAny(host, "DnsSearch", o.dnsSearch());
        if (!o.gpus().isEmpty()) {
            ArrayNode requests = host.putArray("DeviceRequests");
            for (ServiceOptions.GpuRequest g : o.gpus()) {
                ObjectNode r = requests.addObject();
                ContainerSettings.putText(r, "Driver", g.driver());
                if (g.count() != null) {
                    r.put("Count", g.count());
                }
                EngineJson.putArrayIfAny(r, "DeviceIDs", g.deviceIds());
                ArrayNode capabilities = r.putArray("Capabilities").addArray();
                g.capabilities().forEach(capabilities::add);
                EngineJson.putStringsIfAny(r, "Options", g.options());
            }
        }
        applyHost(o.host(), host);
    }

    /** The keys of {@link HostOptions}: cgroup limits, namespaces, DNS options, annotations. */
    private static void applyHost(HostOptions h, ObjectNode host) {
        putLong(host, "PidsLimit", h.pidsLimit());
        ContainerSettings.putText(host, "CpusetCpus", h.cpuset());
        if (h.cpuShares() != null) {
            host.put("CpuShares", h.cpuShares().intValue());
        }
        putLong(host, "CpuQuota", h.cpuQuota());
        putLong(host, "CpuPeriod", h.cpuPeriod());
        putLong(host, "MemorySwap", h.memswapLimit());
        if (h.memSwappiness() != null) {
            host.put("MemorySwappiness", h.memSwappiness().longValue());
        }
        if (h.oomScoreAdj() != null) {
            host.put("OomScoreAdj", h.oomScoreAdj());
        }
        if (h.oomKillDisable()) {
            host.put("OomKillDisable", true);
        }
        ContainerSettings.putText(host, "CgroupParent", h.cgroupParent());
        if (h.blkio() != null) {
            HostOptions.Blkio b = h.blkio();
            if (b.weight() != null) {
                host.put("BlkioWeight", b.weight());
            }
            if (!b.weightDevice().isEmpty()) {
                ArrayNode devices = host.putArray("BlkioWeightDevice");
                b.weightDevice().forEach(d -> devices.addObject().put("Path", d.path()).put("Weight", (int) d.rate()));
            }
            rates(host, "BlkioDeviceReadBps", b.deviceReadBps());
            rates(host, "BlkioDeviceWriteBps", b.deviceWriteBps());
            rates(host, "BlkioDeviceReadIOps", b.deviceReadIops());
            rates(host, "BlkioDeviceWriteIOps", b.deviceWriteIops());
        }
        EngineJson.putStringsIfAny(host, "StorageOpt", h.storageOpt());
        EngineJson.putArrayIfAny(host, "DnsOptions", h.dnsOpt());
        ContainerSettings.putText(host, "UsernsMode", h.usernsMode());
        ContainerSettings.putText(host, "UTSMode", h.uts());
        EngineJson.putStringsIfAny(host, "Annotations", h.annotations());
    }

    private static void rates(ObjectNode host, String field, List<HostOptions.DeviceRate> rates) {
        if (!rates.isEmpty()) {
            ArrayNode devices = host.putArray(field);
            rates.forEach(d -> devices.addObject().put("Path", d.path()).put("Rate", d.rate()));
        }
    }

    private static void putLong(ObjectNode node, String field, Long value) {
        if (value != null) {
            node.put(field, value);
        }
    }
}
