package io.berth.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The Compose service keys that tune the container's cgroup and kernel namespaces, and a few
 * more (PROTOCOL.md §3's second list), normalized as {@link ServiceOptions} is: unset is null,
 * false or empty, so a service that sets none of them hashes as it always did.
 *
 * @param pidsLimit     {@code pids_limit} or {@code deploy.resources.limits.pids}
 * @param cpuset        {@code cpuset}: the CPUs the container may use, e.g. {@code 0-1} or {@code 0,2}
 * @param memswapLimit  {@code memswap_limit} in bytes, -1 for unlimited swap
 * @param blkio         {@code blkio_config}, null when not set
 * @param storageOpt    {@code storage_opt}: the storage driver's per-container options
 * @param annotations   {@code annotations}: OCI annotations (engine API 1.43)
 */
public record HostOptions(Long pidsLimit, String cpuset, Long cpuShares, Long cpuQuota, Long cpuPeriod,
                          Long memswapLimit, Integer memSwappiness, Integer oomScoreAdj, boolean oomKillDisable,
                          String cgroupParent, Blkio blkio, SortedMap<String, String> storageOpt, List<String> dnsOpt,
                          String macAddress, String usernsMode, String uts, SortedMap<String, String> annotations) {

    public HostOptions {
        storageOpt = Immutables.sortedMap(storageOpt);
        dnsOpt = dnsOpt == null ? List.of() : List.copyOf(dnsOpt);
        annotations = Immutables.sortedMap(annotations);
    }

    /** {@code blkio_config}: a weight and per-device weights and rates. */
    public record Blkio(Integer weight, List<DeviceRate> weightDevice, List<DeviceRate> deviceReadBps,
                        List<DeviceRate> deviceWriteBps, List<DeviceRate> deviceReadIops,
                        List<DeviceRate> deviceWriteIops) {
        public Blkio {
            weightDevice = copy(weightDevice);
            deviceReadBps = copy(deviceReadBps);
            deviceWriteBps = copy(deviceWriteBps);
            deviceReadIops = copy(deviceReadIops);
            deviceWriteIops = copy(deviceWriteIops);
        }

        private static List<DeviceRate> copy(List<DeviceRate> list) {
            return list == null ? List.of() : List.copyOf(list);
        }
    }

    /** A block device's path on the host with a weight, bytes or operations per second. */
    public record DeviceRate(String path, long rate) {}

    /** Mutable holder for the parser; every field starts unset. */
    public static final class Builder {
        public Long pidsLimit;
        public String cpuset;
        public Long cpuShares;
        public Long cpuQuota;
        public Long cpuPeriod;
        public Long memswapLimit;
        public Integer memSwappiness;
        public Integer oomScoreAdj;
        public boolean oomKillDisable;
        public String cgroupParent;
        public Blkio blkio;
        public SortedMap<String, String> storageOpt = new TreeMap<>();
        public List<String> dnsOpt = new ArrayList<>();
        public String macAddress;
        public String usernsMode;
        public String uts;
        public SortedMap<String, String> annotations = new TreeMap<>();

        public HostOptions build() {
            return new HostOptions(pidsLimit, cpuset, cpuShares, cpuQuota, cpuPeriod, memswapLimit, memSwappiness,
                    oomScoreAdj, oomKillDisable, cgroupParent, blkio, storageOpt, dnsOpt, macAddress, usernsMode, uts,
                    annotations);
        }
    }
}
