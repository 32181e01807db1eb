package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.ServiceOptions.DeviceMapping;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The service keys that widen or narrow what a container may do on its host: devices,
 * privileges, capabilities, security options, sysctls and the shared kernel namespaces.
 */
final class IsolationKeys {
    static final Set<String> CAPABILITIES = Set.of("ALL", "AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE",
            "BLOCK_SUSPEND", "BPF", "CHECKPOINT_RESTORE", "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER",
            "FSETID", "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE", "LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE",
            "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_RAW", "PERFMON", "SETFCAP", "SETGID",
            "SETPCAP", "SETUID", "SYS_ADMIN", "SYS_BOOT", "SYS_CHROOT", "SYS_MODULE", "SYS_NICE", "SYS_PACCT",
            "SYS_PTRACE", "SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "SYSLOG", "WAKE_ALARM");

    private IsolationKeys() {}

    static void register(Map<String, ServiceKeys.KeyReader> t) {
        t.put("devices", (s, path, value) -> s.r.list(path, value, false, (p, v) -> device(s, p, v)));
        t.put("device_cgroup_rules", (s, path, value) -> s.r.list(path, value, false, (p, v) -> {
            String rule = s.r.string(p, v);
            if (rule != null && !rule.matches("[abc] (\\d+|\\*):(\\d+|\\*) [rwm]{1,3}")) {
                s.r.error(p, "'" + rule + "' is not a device cgroup rule: write TYPE MAJOR:MINOR PERMS, e.g. "
                        + "'c 189:* rmw'");
            } else if (rule != null) {
                s.out.deviceCgroupRules.add(rule);
            }
        }));
        t.put("privileged", (s, path, value) -> s.out.privileged = s.r.bool(path, value));
        t.put("cap_add", (s, path, value) -> s.r.list(path, value, false, (p, v) -> capability(s, p, v,
                s.out.capAdd)));
        t.put("cap_drop", (s, path, value) -> s.r.list(path, value, false, (p, v) -> capability(s, p, v,
                s.out.capDrop)));
        t.put("security_opt", (s, path, value) -> s.r.list(path, value, false, (p, v) -> {
            String opt = s.r.string(p, v);
            if (opt != null) {
                s.out.securityOpt.add(opt);
            }
        }));
        t.put("sysctls", (s, path, value) -> s.out.sysctls.putAll(s.r.keyValues(path, value, false)));
        t.put("ipc", (s, path, value) -> s.out.ipc = s.sharedMode(path, value, Set.of("none", "private", "shareable",
                "host")));
        t.put("pid", (s, path, value) -> s.out.pid = s.sharedMode(path, value, Set.of("host")));
        t.put("userns_mode", (s, path, value) -> s.out.host.usernsMode = only(s, path, value, "host",
                "the engine's user namespace remapping is set for the whole engine (dockerd --userns-remap); a "
                        + "service can only leave it with 'host'"));
        t.put("uts", (s, path, value) -> s.out.host.uts = only(s, path, value, "host",
                "a container has its own host name unless it shares the host's"));
        t.put("annotations", (s, path, value) -> s.out.host.annotations.putAll(s.r.keyValues(path, value, false)));
    }

    private static String only(ServiceDraft s, String path, JsonNode value, String allowed, String why) {
        String mode = s.r.string(path, value);
        if (mode != null && !mode.equals(allowed)) {
            s.r.error(path, "'" + mode + "' is not taken: use " + allowed + " (" + why + ")");
            return null;
        }
        return mode;
    }

    private static void capability(ServiceDraft s, String path, JsonNode value, Set<String> into) {
        String text = s.r.string(path, value);
        if (text == null) {
            return;
        }
        String cap = text.toUpperCase(Locale.ROOT);
        cap = cap.startsWith("CAP_") ? cap.substring(4) : cap;
        if (!CAPABILITIES.contains(cap)) {
            s.r.error(path, "'" + text + "' is not a Linux capability: use a name such as NET_ADMIN or SYS_TIME");
            return;
        }
        into.add(cap);
    }

    private static void device(ServiceDraft s, String path, JsonNode value) {
        Reader r = s.r;
        String[] d = {null, null, "rwm"}; // host, container, permissions
        if (value.isObject()) {
            r.fields(path, value, "source, target, permissions", (key, p, v) -> {
                switch (key) {
                    case "source" -> d[0] = r.string(p, v);
                    case "target" -> d[1] = r.string(p, v);
                    case "permissions" -> d[2] = r.string(p, v);
                    default -> r.unknownKey(path, key);
                }
            });
            if (d[0] == null) {
                r.error(path, "needs 'source', the device's path on the host");
                return;
            }
        } else {
            String text = r.string(path, value);
            if (text == null) {
                return;
            }
            String[] parts = text.split(":", -1);
            if (parts.length > 3) {
                r.error(path, "'" + text + "' must be HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]");
                return;
            }
            d[0] = parts[0];
            d[1] = parts.length > 1 ? parts[1] : null;
            d[2] = parts.length > 2 ? parts[2] : "rwm";
            if (parts.length == 2 && parts[1].matches("[rwm]{1,3}")) {
                d[1] = null;
                d[2] = parts[1];
            }
        }
        if (!d[0].startsWith("/")) {
            r.error(path, "'" + d[0] + "' is not a device path on the host: Berth takes host paths such as "
                    + "/dev/ttyUSB0 (not CDI device names)");
            return;
        }
        if (d[1] != null && !d[1].startsWith("/")) {
            r.error(path, "the container path '" + d[1] + "' must be absolute");
            return;
        }
        if (d[2] == null || !d[2].matches("[rwm]{1,3}")) {
            r.error(path, "permissions '" + d[2] + "' must be made of r, w and m");
            return;
        }
        s.out.devices.add(new DeviceMapping(d[0], d[1] == null ? d[0] : d[1], d[2]));
    }
}
