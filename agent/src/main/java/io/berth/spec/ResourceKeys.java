package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.HostOptions;
import io.berth.model.HostOptions.DeviceRate;
import io.berth.model.RestartPolicy;
import io.berth.model.ServiceOptions;
import io.berth.model.ServiceOptions.GpuRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** The service keys that limit what a container uses: memory, cpus, pids, block I/O, GPUs, {@code deploy}. */
final class ResourceKeys {
    private static final Pattern ULIMIT = Pattern.compile("[a-z]+");
    private static final Pattern CPUSET = Pattern.compile("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");

    private ResourceKeys() {}

    static void register(Map<String, ServiceKeys.KeyReader> t) {
        t.put("mem_limit", (s, path, value) -> s.out.memLimit = s.merge(path, s.out.memLimit, s.r.size(path, value),
                "deploy.resources.limits.memory"));
        t.put("mem_reservation", (s, path, value) -> s.out.memReservation = s.r.size(path, value));
        t.put("shm_size", (s, path, value) -> s.out.shmSize = s.r.size(path, value));
        t.put("cpus", (s, path, value) -> s.out.nanoCpus = s.merge(path, s.out.nanoCpus, s.r.cpus(path, value),
                "deploy.resources.limits.cpus"));
        t.put("ulimits", ResourceKeys::ulimits);
        t.put("pids_limit", (s, path, value) -> s.out.host.pidsLimit = s.merge(path, s.out.host.pidsLimit,
                s.r.integer(path, value, -1, Long.MAX_VALUE), "deploy.resources.limits.pids"));
        t.put("cpuset", (s, path, value) -> {
            String set = s.r.scalar(path, value);
            if (set != null && !CPUSET.matcher(set).matches()) {
                s.r.error(path, "'" + set + "' is not a set of CPUs: write e.g. 0-1 or 0,2");
            } else {
                s.out.host.cpuset = set;
            }
        });
        t.put("cpu_shares", (s, path, value) -> s.out.host.cpuShares = s.r.integer(path, value, 2, 262144));
        t.put("cpu_quota", (s, path, value) -> s.out.host.cpuQuota = s.r.integer(path, value, 1000, Long.MAX_VALUE));
        t.put("cpu_period", (s, path, value) -> s.out.host.cpuPeriod = s.r.integer(path, value, 1000, 1_000_000));
        t.put("memswap_limit", (s, path, value) -> {
            if (value.isIntegralNumber() && value.asLong() == -1) {
                s.out.host.memswapLimit = -1L;
            } else {
                s.out.host.memswapLimit = s.r.size(path, value);
            }
        });
        t.put("mem_swappiness", (s, path, value) -> s.out.host.memSwappiness = toInt(s.r.integer(path, value, 0, 100)));
        t.put("oom_score_adj", (s, path, value) -> s.out.host.oomScoreAdj =
                toInt(s.r.integer(path, value, -1000, 1000)));
        t.put("oom_kill_disable", (s, path, value) -> s.out.host.oomKillDisable = s.r.bool(path, value));
        t.put("cgroup_parent", (s, path, value) -> s.out.host.cgroupParent = s.r.string(path, value));
        t.put("blkio_config", ResourceKeys::blkio);
        t.put("storage_opt", (s, path, value) -> s.out.host.storageOpt.putAll(s.r.stringMap(path, value)));
        t.put("gpus", (s, path, value) -> {
            if (value.isTextual() && value.asText().equals("all")) {
                s.out.gpus.add(new GpuRequest(null, -1, List.of(), List.of("gpu"), null));
            } else if (value.isArray()) {
                s.r.list(path, value, false, (p, v) -> gpu(s, p, v, List.of("gpu")));
            } else {
                s.r.error(path, "must be \"all\" or a list of {driver, count, device_ids, options}, found "
                        + Reader.describe(value));
            }
        });
        t.put("deploy", ResourceKeys::deploy);
    }

    private static Integer toInt(Long n) {
        return n == null ? null : n.intValue();
    }

    private static void ulimits(ServiceDraft s, String path, JsonNode value) {
        if (!value.isObject()) {
            s.r.error(path, "must be a map of limit name to a number or {soft, hard}, found " + Reader.describe(value));
            return;
        }
        value.fields().forEachRemaining(e -> {
            String p = path + "." + e.getKey();
            if (!ULIMIT.matcher(e.getKey()).matches()) {
                s.r.error(p, "'" + e.getKey() + "' is not a ulimit name, such as nofile or nproc");
                return;
            }
            JsonNode v = e.getValue();
            if (v.isIntegralNumber()) {
                s.out.ulimits.put(e.getKey(), new ServiceOptions.Ulimit(v.asLong(), v.asLong()));
            } else if (v.isObject() && v.path("soft").isIntegralNumber() && v.path("hard").isIntegralNumber()
                    && v.size() == 2) {
                long soft = v.get("soft").asLong();
                long hard = v.get("hard").asLong();
                if (soft > hard) {
                    s.r.error(p, "soft limit " + soft + " is above the hard limit " + hard);
                } else {
                    s.out.ulimits.put(e.getKey(), new ServiceOptions.Ulimit(soft, hard));
                }
            } else {
                s.r.error(p, "must be a number or {soft: N, hard: N}, found " + Reader.describe(v));
            }
        });
    }

    private static void blkio(ServiceDraft s, String path, JsonNode value) {
        Reader r = s.r;
        Integer[] weight = {null};
        List<List<DeviceRate>> rates = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                new ArrayList<>(), new ArrayList<>());
        List<String> keys = List.of("weight_device", "device_read_bps", "device_write_bps", "device_read_iops",
                "device_write_iops");
        r.fields(path, value, "weight, weight_device, device_read_bps, device_write_bps, device_read_iops, "
                + "device_write_iops", (key, p, v) -> {
                    int at = keys.indexOf(key);
                    if (key.equals("weight")) {
                        weight[0] = toInt(r.integer(p, v, 10, 1000));
                    } else if (at >= 0) {
                        r.list(p, v, false, (ip, iv) -> {
                            DeviceRate rate = deviceRate(r, ip, iv, at == 0 ? "weight" : "rate", at);
                            if (rate != null) {
                                rates.get(at).add(rate);
                            }
                        });
                    } else {
                        r.unknownKey(path, key);
                    }
                });
        s.out.host.blkio = new HostOptions.Blkio(weight[0], rates.get(0), rates.get(1), rates.get(2), rates.get(3),
                rates.get(4));
    }

    /** {@code {path: /dev/sda, rate: 20mb}} (bytes for _bps, a number for _iops) or {@code {path, weight}}. */
    private static DeviceRate deviceRate(Reader r, String path, JsonNode item, String field, int kind) {
        if (!item.isObject() || !item.path("path").isTextual() || !item.has(field) || item.size() != 2) {
            r.error(path, "must be {path: /dev/…, " + field + ": …}, found " + Reader.describe(item));
            return null;
        }
        String device = item.get("path").asText();
        if (!device.startsWith("/")) {
            r.error(path + ".path", "'" + device + "' must be a device path on the host, such as /dev/sda");
            return null;
        }
        JsonNode v = item.get(field);
        Long n = kind == 0 ? r.integer(path + "." + field, v, 10, 1000)
                : kind == 1 || kind == 2 ? r.size(path + "." + field, v)
                : r.integer(path + "." + field, v, 0, Long.MAX_VALUE);
        return n == null ? null : new DeviceRate(device, n);
    }

    private static void deploy(ServiceDraft s, String path, JsonNode value) {
        s.r.fields(path, value, "resources, restart_policy", (key, p, v) -> {
            switch (key) {
                case "resources" -> s.r.fields(p, v, "limits, reservations", (section, rp, sv) ->
                        s.r.fields(rp, sv, "memory, cpus…", (k, sp, kv) -> resource(s, section + "." + k, sp, kv)));
                case "restart_policy" -> restartPolicy(s, p, v);
                case "replicas" -> {
                    Long n = s.r.integer(p, v, 0, Long.MAX_VALUE);
                    if (n != null && n > 1) {
                        s.r.error(p, "one device runs one replica of a service: set 1, or define more services");
                    }
                }
                default -> {
                    if (!key.startsWith("x-")) {
                        s.r.error(p, "Berth takes only deploy.resources and deploy.restart_policy ('" + key
                                + "' is for Swarm): one device runs one replica; remove it");
                    }
                }
            }
        });
    }

    private static void resource(ServiceDraft s, String both, String sp, JsonNode v) {
        switch (both) {
            case "limits.memory" -> s.out.memLimit = s.merge(sp, s.out.memLimit, s.r.size(sp, v), "mem_limit");
            case "limits.cpus" -> s.out.nanoCpus = s.merge(sp, s.out.nanoCpus, s.r.cpus(sp, v), "cpus");
            case "limits.pids" -> s.out.host.pidsLimit = s.merge(sp, s.out.host.pidsLimit,
                    s.r.integer(sp, v, -1, Long.MAX_VALUE), "pids_limit");
            case "reservations.memory" -> s.out.memReservation = s.r.size(sp, v);
            case "reservations.devices" -> s.r.list(sp, v, false, (p, item) -> gpu(s, p, item, null));
            default -> {
                if (!both.substring(both.indexOf('.') + 1).startsWith("x-")) {
                    s.r.error(sp, "'" + both + "' is not taken: Berth takes limits.memory, limits.cpus, limits.pids, "
                            + "reservations.memory and reservations.devices");
                }
            }
        }
    }

    /** {@code deploy.restart_policy}: Swarm's words mapped to the engine's policy, as Compose does. */
    private static void restartPolicy(ServiceDraft s, String path, JsonNode value) {
        String[] condition = {"any"};
        Long[] attempts = {null};
        s.r.fields(path, value, "condition, max_attempts, delay, window", (key, p, v) -> {
            switch (key) {
                case "condition" -> condition[0] = s.r.string(p, v);
                case "max_attempts" -> attempts[0] = s.r.integer(p, v, 0, Integer.MAX_VALUE);
                case "delay", "window" -> {
                    if (s.r.duration(p, v) != null) {
                        s.r.warning(p, "ignored: the engine restarts at once, with its own back-off");
                    }
                }
                default -> s.r.unknownKey(path, key);
            }
        });
        String text = condition[0] == null ? null : switch (condition[0]) {
            case "any" -> "always";
            case "on-failure" -> "on-failure" + (attempts[0] == null ? "" : ":" + attempts[0]);
            case "none" -> "no";
            default -> null;
        };
        if (text == null && condition[0] != null) {
            s.r.error(path + ".condition", "'" + condition[0] + "' is not a condition: use none, on-failure or any");
        } else if (text != null) {
            s.deployRestart = RestartPolicy.parse(text);
        }
    }

    static void gpu(ServiceDraft s, String path, JsonNode value, List<String> defaultCaps) {
        Reader r = s.r;
        String[] driver = {null};
        Integer[] count = {null};
        List<String> ids = new ArrayList<>();
        List<String> caps = new ArrayList<>();
        SortedMap<String, String> options = new TreeMap<>();
        boolean map = r.fields(path, value, "capabilities, driver, count, device_ids, options", (key, p, v) -> {
            switch (key) {
                case "driver" -> driver[0] = r.string(p, v);
                case "count" -> {
                    if (v.isTextual() && v.asText().equals("all")) {
                        count[0] = -1;
                    } else if (v.isIntegralNumber() && v.canConvertToInt() && v.asInt() > 0) {
                        count[0] = v.asInt();
                    } else {
                        r.error(p, "must be a number above 0 or \"all\", found " + Reader.describe(v));
                    }
                }
                case "device_ids" -> ids.addAll(r.strings(p, v, false));
                case "capabilities" -> caps.addAll(r.strings(p, v, false));
                case "options" -> options.putAll(r.keyValues(p, v, false));
                default -> r.unknownKey(path, key);
            }
        });
        if (!map) {
            return;
        }
        if (caps.isEmpty() && defaultCaps == null) {
            r.error(path, "needs 'capabilities', e.g. [gpu]");
            return;
        }
        if (count[0] != null && !ids.isEmpty()) {
            r.error(path, "set 'count' or 'device_ids', not both");
            return;
        }
        s.out.gpus.add(new GpuRequest(driver[0], count[0], ids, caps.isEmpty() ? defaultCaps : caps, options));
    }
}
