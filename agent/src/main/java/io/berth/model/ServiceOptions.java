package io.berth.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The Compose service keys beyond the basic ones of {@link ServiceSpec}, normalized
 * (PROTOCOL.md §3): sizes in bytes, durations in nanoseconds, cpus in nano-cpus, sets sorted,
 * {@code false} and empty the same as absent. Names of other services are already resolved to
 * their container names and network keys to engine network names, so the engine needs nothing else.
 *
 * @param volumesFrom   {@code CONTAINER[:ro|:rw]}
 * @param networks      engine network name to attachment; empty = the engine's default network
 * @param networkMode   null, {@code bridge}, {@code host}, {@code none} or {@code container:NAME}
 * @param links         {@code CONTAINER:ALIAS}
 * @param nanoCpus      {@code cpus} or {@code deploy.resources.limits.cpus}, in 1e-9 cpus
 * @param stopGraceNanos {@code stop_grace_period}; null = the engine's default (10 s)
 * @param dependsOn     service name to condition; read by the planner's ordering (another issue), not here
 */
public record ServiceOptions(SortedSet<String> expose, SortedMap<String, String> tmpfs, List<String> volumesFrom,
                             SortedMap<String, NetworkAttachment> networks, String networkMode, SortedSet<String> links,
                             String hostname, String domainname, String workingDir, String user,
                             SortedSet<String> groupAdd, boolean readOnly, SortedMap<String, String> labels,
                             Long memLimit, Long memReservation, Long nanoCpus, Long shmSize,
                             List<DeviceMapping> devices, List<String> deviceCgroupRules, boolean privileged,
                             SortedSet<String> capAdd, SortedSet<String> capDrop, List<String> securityOpt,
                             SortedMap<String, String> sysctls, SortedMap<String, Ulimit> ulimits, String ipc,
                             String pid, boolean tty, boolean stdinOpen, String platform, String runtime,
                             Healthcheck healthcheck, Long stopGraceNanos, String stopSignal,
                             SortedMap<String, Dependency> dependsOn, Logging logging, Boolean init,
                             String pullPolicy, List<String> extraHosts, List<String> dns, List<String> dnsSearch,
                             List<GpuRequest> gpus, HostOptions host,
                             List<FileMount> files) {

    public static final ServiceOptions NONE = new Builder().build();

    public ServiceOptions {
        expose = set(expose);
        tmpfs = Immutables.sortedMap(tmpfs);
        volumesFrom = list(volumesFrom);
        networks = Immutables.sortedMap(networks);
        links = set(links);
        groupAdd = set(groupAdd);
        labels = Immutables.sortedMap(labels);
        devices = list(devices);
        deviceCgroupRules = list(deviceCgroupRules);
        capAdd = set(capAdd);
        capDrop = set(capDrop);
        securityOpt = list(securityOpt);
        sysctls = Immutables.sortedMap(sysctls);
        ulimits = Immutables.sortedMap(ulimits);
        dependsOn = Immutables.sortedMap(dependsOn);
        extraHosts = list(extraHosts);
        dns = list(dns);
        dnsSearch = list(dnsSearch);
        gpus = list(gpus);
        host = host == null ? NO_HOST_OPTIONS : host;
        files = list(files);
    }

    private static final HostOptions NO_HOST_OPTIONS = new HostOptions.Builder().build();

    /** The same options with other networks. */
    public ServiceOptions withNetworks(SortedMap<String, NetworkAttachment> newNetworks) {
        return new ServiceOptions(expose, tmpfs, volumesFrom, newNetworks, networkMode, links, hostname, domainname,
                workingDir, user, groupAdd, readOnly, labels, memLimit, memReservation, nanoCpus, shmSize, devices,
                deviceCgroupRules, privileged, capAdd, capDrop, securityOpt, sysctls, ulimits, ipc, pid, tty,
                stdinOpen, platform, runtime, healthcheck, stopGraceNanos, stopSignal, dependsOn, logging, init,
                pullPolicy, extraHosts, dns, dnsSearch, gpus, host, files);
    }

    /** The same options with another logging (the device profile's default for services without one). */
    public ServiceOptions withLogging(Logging newLogging) {
        return new ServiceOptions(expose, tmpfs, volumesFrom, networks, networkMode, links, hostname, domainname,
                workingDir, user, groupAdd, readOnly, labels, memLimit, memReservation, nanoCpus, shmSize, devices,
                deviceCgroupRules, privileged, capAdd, capDrop, securityOpt, sysctls, ulimits, ipc, pid, tty,
                stdinOpen, platform, runtime, healthcheck, stopGraceNanos, stopSignal, dependsOn, newLogging, init,
                pullPolicy, extraHosts, dns, dnsSearch, gpus, host, files);
    }

    private static <T> List<T> list(List<T> list) {
        return list == null ? List.of() : List.copyOf(list);
    }

    private static SortedSet<String> set(SortedSet<String> set) {
        return set == null ? java.util.Collections.emptySortedSet()
                : java.util.Collections.unmodifiableSortedSet(new TreeSet<>(set));
    }

    /**
     * A network a service joins.
     *
     * @param priority     Compose's {@code priority}: the order in which the container is connected
     *                     (highest first); null = 0
     * @param linkLocalIps {@code link_local_ips}
     */
    public record NetworkAttachment(SortedSet<String> aliases, String ipv4Address, String ipv6Address,
                                    SortedSet<String> linkLocalIps, Integer priority) {
        public NetworkAttachment {
            aliases = set(aliases);
            linkLocalIps = set(linkLocalIps);
        }

        public NetworkAttachment(SortedSet<String> aliases, String ipv4Address) {
            this(aliases, ipv4Address, null, null, null);
        }
    }

    /** A host device: {@code /dev/ttyUSB0:/dev/ttyUSB0:rwm}. */
    public record DeviceMapping(String host, String container, String permissions) {}

    public record Ulimit(long soft, long hard) {}

    /**
     * @param test  the engine's form: {@code ["CMD", …]}, {@code ["CMD-SHELL", "…"]} or {@code ["NONE"]};
     *              empty = the image's own healthcheck with these timings
     */
    public record Healthcheck(List<String> test, Long intervalNanos, Long timeoutNanos, Integer retries,
                              Long startPeriodNanos, Long startIntervalNanos) {
        public Healthcheck {
            test = list(test);
        }
    }

    /** @param condition service_started, service_healthy or service_completed_successfully */
    public record Dependency(String condition, boolean restart, boolean required) {}

    public record Logging(String driver, SortedMap<String, String> options) {
        public Logging {
            options = Immutables.sortedMap(options);
        }
    }

    /** {@code deploy.resources.reservations.devices}: GPUs and the like. */
    public record GpuRequest(String driver, Integer count, List<String> deviceIds, List<String> capabilities,
                             SortedMap<String, String> options) {
        public GpuRequest {
            deviceIds = list(deviceIds);
            capabilities = list(capabilities);
            options = Immutables.sortedMap(options);
        }
    }

    /** Mutable holder for the parser; every field starts empty. */
    public static final class Builder {
        public SortedSet<String> expose = new TreeSet<>();
        public SortedMap<String, String> tmpfs = new TreeMap<>();
        public List<String> volumesFrom = new ArrayList<>();
        public SortedMap<String, NetworkAttachment> networks = new TreeMap<>();
        public String networkMode;
        public SortedSet<String> links = new TreeSet<>();
        public String hostname;
        public String domainname;
        public String workingDir;
        public String user;
        public SortedSet<String> groupAdd = new TreeSet<>();
        public boolean readOnly;
        public SortedMap<String, String> labels = new TreeMap<>();
        public Long memLimit;
        public Long memReservation;
        public Long nanoCpus;
        public Long shmSize;
        public List<DeviceMapping> devices = new ArrayList<>();
        public List<String> deviceCgroupRules = new ArrayList<>();
        public boolean privileged;
        public SortedSet<String> capAdd = new TreeSet<>();
        public SortedSet<String> capDrop = new TreeSet<>();
        public List<String> securityOpt = new ArrayList<>();
        public SortedMap<String, String> sysctls = new TreeMap<>();
        public SortedMap<String, Ulimit> ulimits = new TreeMap<>();
        public String ipc;
        public String pid;
        public boolean tty;
        public boolean stdinOpen;
        public String platform;
        public String runtime;
        public Healthcheck healthcheck;
        public Long stopGraceNanos;
        public String stopSignal;
        public SortedMap<String, Dependency> dependsOn = new TreeMap<>();
        public Logging logging;
        public Boolean init;
        public String pullPolicy;
        public List<String> extraHosts = new ArrayList<>();
        public List<String> dns = new ArrayList<>();
        public List<String> dnsSearch = new ArrayList<>();
        public List<GpuRequest> gpus = new ArrayList<>();
        public HostOptions.Builder host = new HostOptions.Builder();
        public List<FileMount> files = new ArrayList<>();

        public ServiceOptions build() {
            return new ServiceOptions(expose, tmpfs, volumesFrom, networks, networkMode, links, hostname, domainname,
                    workingDir, user, groupAdd, readOnly, labels, memLimit, memReservation, nanoCpus, shmSize, devices,
                    deviceCgroupRules, privileged, capAdd, capDrop, securityOpt, sysctls, ulimits, ipc, pid, tty,
                    stdinOpen, platform, runtime, healthcheck, stopGraceNanos, stopSignal, dependsOn, logging, init,
                    pullPolicy, extraHosts, dns, dnsSearch, gpus, host.build(), files);
        }
    }

    /** For {@link ServiceSpec#hash()}: every value that is set, nothing that is empty or false. */
    static Object prune(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new TreeMap<>();
            map.forEach((k, v) -> {
                Object pruned = prune(v);
                if (pruned != null) {
                    out.put(String.valueOf(k), pruned);
                }
            });
            return out.isEmpty() ? null : out;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(v -> out.add(prune(v)));
            return out.isEmpty() ? null : out;
        }
        if (Boolean.FALSE.equals(value)) {
            return null;
        }
        return value;
    }
}
