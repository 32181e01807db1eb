package io.berth.engine.docker;

import com.github.dockerjava.api.model.BlkioRateDevice;
import com.github.dockerjava.api.model.BlkioWeightDevice;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Device;
import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Ulimit;
import io.berth.model.HostOptions;
import io.berth.model.ServiceOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * What a service asks of the host its container runs on, mapped to the engine's
 * {@link HostConfig}: resources (memory, CPUs, shared memory, ulimits, pids, blkio, cgroups),
 * devices and GPUs, privileges (privileged, capabilities, security options, extra groups, a
 * read-only root), sysctls, namespaces (ipc, pid, user, uts), DNS and extra hosts, the runtime,
 * init and the log driver. {@link ContainerSettings} maps the rest of the spec (ports, mounts,
 * networks, the container's own config) and hands these keys here; a key the spec leaves unset
 * is left unset, so the engine's default applies.
 */
final class HostSettings {
    private HostSettings() {}

    /** Sets the host keys of {@code o} on {@code host}. */
    static void apply(ServiceOptions o, HostConfig host) {
        if (!o.groupAdd().isEmpty()) {
            host.withGroupAdd(new ArrayList<>(o.groupAdd()));
        }
        if (o.readOnly()) {
            host.withReadonlyRootfs(true);
        }
        if (o.memLimit() != null) {
            host.withMemory(o.memLimit());
        }
        if (o.memReservation() != null) {
            host.withMemoryReservation(o.memReservation());
        }
        if (o.nanoCpus() != null) {
            host.withNanoCPUs(o.nanoCpus());
        }
        if (o.shmSize() != null) {
            host.withShmSize(o.shmSize());
        }
        if (!o.devices().isEmpty()) {
            host.withDevices(o.devices().stream().map(d -> new Device(d.permissions(), d.container(), d.host()))
                    .toList());
        }
        if (!o.deviceCgroupRules().isEmpty()) {
            host.withDeviceCgroupRules(o.deviceCgroupRules());
        }
        if (o.privileged()) {
            host.withPrivileged(true);
        }
        if (!o.capAdd().isEmpty()) {
            host.withCapAdd(o.capAdd().stream().map(Capability::valueOf).toArray(Capability[]::new));
        }
        if (!o.capDrop().isEmpty()) {
            host.withCapDrop(o.capDrop().stream().map(Capability::valueOf).toArray(Capability[]::new));
        }
        if (!o.securityOpt().isEmpty()) {
            host.withSecurityOpts(o.securityOpt());
        }
        if (!o.sysctls().isEmpty()) {
            host.withSysctls(o.sysctls());
        }
        if (!o.ulimits().isEmpty()) {
            host.withUlimits(o.ulimits().entrySet().stream()
                    .map(e -> new Ulimit(e.getKey(), e.getValue().soft(), e.getValue().hard())).toList());
        }
        if (o.ipc() != null) {
            host.withIpcMode(o.ipc());
        }
        if (o.pid() != null) {
            host.withPidMode(o.pid());
        }
        if (o.runtime() != null) {
            host.withRuntime(o.runtime());
        }
        if (o.logging() != null) {
            host.withLogConfig(new LogConfig(LogConfig.LoggingType.fromValue(o.logging().driver()),
                    o.logging().options().isEmpty() ? null : o.logging().options()));
        }
        if (o.init() != null) {
            host.withInit(o.init());
        }
        if (!o.extraHosts().isEmpty()) {
            host.withExtraHosts(o.extraHosts().toArray(String[]::new));
        }
        if (!o.dns().isEmpty()) {
            host.withDns(o.dns());
        }
        if (!o.dnsSearch().isEmpty()) {
            host.withDnsSearch(o.dnsSearch());
        }
        if (!o.gpus().isEmpty()) {
            host.withDeviceRequests(o.gpus().stream().map(g -> {
                DeviceRequest r = new DeviceRequest().withCapabilities(List.of(g.capabilities()));
                if (g.driver() != null) {
                    r.withDriver(g.driver());
                }
                if (g.count() != null) {
                    r.withCount(g.count());
                }
                if (!g.deviceIds().isEmpty()) {
                    r.withDeviceIds(g.deviceIds());
                }
                if (!g.options().isEmpty()) {
                    r.withOptions(g.options());
                }
                return r;
            }).toList());
        }
        applyHost(o.host(), host);
    }

    /** The keys of {@link HostOptions}: cgroup limits, namespaces, DNS options, annotations. */
    private static void applyHost(HostOptions h, HostConfig host) {
        if (h.pidsLimit() != null) {
            host.withPidsLimit(h.pidsLimit());
        }
        if (h.cpuset() != null) {
            host.withCpusetCpus(h.cpuset());
        }
        if (h.cpuShares() != null) {
            host.withCpuShares(h.cpuShares().intValue());
        }
        if (h.cpuQuota() != null) {
            host.withCpuQuota(h.cpuQuota());
        }
        if (h.cpuPeriod() != null) {
            host.withCpuPeriod(h.cpuPeriod());
        }
        if (h.memswapLimit() != null) {
            host.withMemorySwap(h.memswapLimit());
        }
        if (h.memSwappiness() != null) {
            host.withMemorySwappiness(h.memSwappiness().longValue());
        }
        if (h.oomScoreAdj() != null) {
            host.withOomScoreAdj(h.oomScoreAdj());
        }
        if (h.oomKillDisable()) {
            host.withOomKillDisable(true);
        }
        if (h.cgroupParent() != null) {
            host.withCgroupParent(h.cgroupParent());
        }
        if (h.blkio() != null) {
            HostOptions.Blkio b = h.blkio();
            if (b.weight() != null) {
                host.withBlkioWeight(b.weight());
            }
            if (!b.weightDevice().isEmpty()) {
                host.withBlkioWeightDevice(b.weightDevice().stream()
                        .map(d -> new BlkioWeightDevice().withPath(d.path()).withWeight((int) d.rate())).toList());
            }
            host.withBlkioDeviceReadBps(rates(b.deviceReadBps()));
            host.withBlkioDeviceWriteBps(rates(b.deviceWriteBps()));
            host.withBlkioDeviceReadIOps(rates(b.deviceReadIops()));
            host.withBlkioDeviceWriteIOps(rates(b.deviceWriteIops()));
        }
        if (!h.storageOpt().isEmpty()) {
            host.withStorageOpt(h.storageOpt());
        }
        if (!h.dnsOpt().isEmpty()) {
            host.withDnsOptions(h.dnsOpt());
        }
        if (h.usernsMode() != null) {
            host.withUsernsMode(h.usernsMode());
        }
        if (h.uts() != null) {
            host.withUtSMode(h.uts());
        }
        if (!h.annotations().isEmpty()) {
            host.withAnnotations(h.annotations());
        }
    }

    private static List<BlkioRateDevice> rates(List<HostOptions.DeviceRate> rates) {
        return rates.isEmpty() ? null
                : rates.stream().map(d -> new BlkioRateDevice().withPath(d.path()).withRate(d.rate())).toList();
    }
}
