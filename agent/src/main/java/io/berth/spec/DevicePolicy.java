package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.DesiredState;
import io.berth.model.ImageRef;
import io.berth.model.Mount;
import io.berth.model.ServiceSpec;
import io.berth.model.VolumeSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What this device allows (PROTOCOL.md §3 "Device policy"), from the device profile and the
 * config keys {@code policy.*} (docs/desired-state.md). A document that asks for more is
 * rejected whole, each refusal with its path and the policy key that refused it. Every key
 * refuses on its own; host paths are judged by where they lead ({@link PolicyHost}).
 *
 * @param hostNamespaces the host's network, pid, ipc, uts or user namespace (also a network named {@code host})
 * @param capabilities   the capabilities {@code cap_add} may name (upper case, without {@code CAP_});
 *                       null = any; {@code ALL} only when listed
 * @param unconfined     {@code security_opt} that turns off seccomp, apparmor, SELinux labels or no-new-privileges
 * @param bindPrefixes   host paths binds (and bind-like volumes) may use (empty = any); ./relative binds
 *                       stay allowed while they lead into the data root
 * @param registries     registry hosts images and the agent's package may come from (empty = any); docker.io
 *                       for bare names
 */
public record DevicePolicy(boolean privileged, boolean hostNamespaces, boolean devices, Set<String> capabilities,
                           boolean unconfined, boolean sysctls, List<String> bindPrefixes, List<String> registries) {

    public static final DevicePolicy PERMISSIVE = new DevicePolicy(true, true, true, null, true, true, List.of(),
            List.of());

    public DevicePolicy {
        capabilities = capabilities == null ? null : Set.copyOf(new TreeSet<>(capabilities.stream()
                .map(DevicePolicy::capability).toList()));
        bindPrefixes = List.copyOf(bindPrefixes);
        registries = List.copyOf(registries);
    }

    /** {@code cap_net_admin}, {@code CAP_NET_ADMIN} and {@code NET_ADMIN} are one capability. */
    public static String capability(String name) {
        String upper = name.strip().toUpperCase(Locale.ROOT);
        return upper.startsWith("CAP_") ? upper.substring(4) : upper;
    }

    /** Checks without a document tree or an engine (validate, tests): the data root is {@code dataRoot}. */
    public List<SpecError> check(DesiredState state) {
        return check(state, null, PolicyHost.lexical(Path.of("/var/lib/berth/data")));
    }

    /**
     * @param document the document as received, for keys the model does not carry (may be null)
     */
    public List<SpecError> check(DesiredState state, JsonNode document, PolicyHost host) {
        List<SpecError> errors = new ArrayList<>();
        for (ServiceSpec s : state.services().values()) {
            String path = "services." + s.name();
            JsonNode raw = document == null ? null : document.path("services").path(s.name());
            if (!privileged && s.options().privileged()) {
                errors.add(new SpecError(path + ".privileged", "refused by this device's policy "
                        + "(policy.privileged=false): run without privileged, with cap_add and devices instead"));
            }
            if (!hostNamespaces) {
                hostNamespaces(s, raw, path, errors);
            }
            if (!devices && (!s.options().devices().isEmpty() || !s.options().deviceCgroupRules().isEmpty()
                    || !s.options().gpus().isEmpty())) {
                errors.add(new SpecError(path + ".devices", "host devices are refused by this device's policy "
                        + "(policy.devices=false)"));
            }
            if (capabilities != null) {
                for (String cap : s.options().capAdd()) {
                    if (!capabilities.contains(capability(cap))) {
                        errors.add(new SpecError(path + ".cap_add", "the capability " + cap + " is not on this "
                                + "device's allow-list (policy.capabilities=" + String.join(",", capabilities)
                                + "): drop it, or loosen the policy on the device"));
                    }
                }
            }
            if (!unconfined) {
                for (String opt : s.options().securityOpt()) {
                    String why = unconfines(opt);
                    if (why != null) {
                        errors.add(new SpecError(path + ".security_opt", "'" + opt + "' " + why + ", which this "
                                + "device's policy refuses (policy.unconfined=false)"));
                    }
                }
            }
            String runtime = s.options().runtime();
            if (!devices && runtime != null && !runtime.isBlank() && !"runc".equals(runtime.strip())) {
                errors.add(new SpecError(path + ".runtime", "the runtime " + runtime + " is refused by this device's "
                        + "policy (policy.devices=false): another runtime (nvidia, …) hands the container host "
                        + "devices and driver mounts; use the engine's default (runc), or allow policy.devices"));
            }
            if (!privileged && s.options().host() != null) {
                if (s.options().host().cgroupParent() != null && !s.options().host().cgroupParent().isBlank()) {
                    errors.add(new SpecError(path + ".cgroup_parent", "a cgroup_parent moves the container out of "
                            + "the cgroup whose limits the device sets, which this device's policy refuses "
                            + "(policy.privileged=false): drop it"));
                }
                if (s.options().host().oomKillDisable()) {
                    errors.add(new SpecError(path + ".oom_kill_disable", "oom_kill_disable lets the container hold "
                            + "memory the device needs, which this device's policy refuses (policy.privileged=false):"
                            + " drop it"));
                }
            }
            if (!sysctls && !s.options().sysctls().isEmpty()) {
                errors.add(new SpecError(path + ".sysctls", "sysctls are refused by this device's policy "
                        + "(policy.sysctls=false)"));
            }
            if (!bindPrefixes.isEmpty() || !devices) {
                mounts(state, s, path, host, errors);
            }
            if (!registries.isEmpty() && !registries.contains(ImageRef.registryOf(s.image()))) {
                errors.add(new SpecError(path + ".image", "registry " + ImageRef.registryOf(s.image())
                        + " is not on this device's allow-list (policy.registries=" + String.join(",", registries)
                        + "): push the image to one of them"));
            }
        }
        if (state.agent() != null && !registries.isEmpty() && !registries.contains(state.agent().registry())) {
            errors.add(new SpecError("agent.package", "registry " + state.agent().registry() + " is not on this "
                    + "device's allow-list (policy.registries=" + String.join(",", registries) + "): push the agent's "
                    + "packages to one of them"));
        }
        return errors;
    }

    private static void hostNamespaces(ServiceSpec s, JsonNode raw, String path, List<SpecError> errors) {
        String refused = " is refused by this device's policy (policy.hostNamespaces=false)";
        if ("host".equals(s.options().networkMode())) {
            errors.add(new SpecError(path + ".network_mode", "host networking" + refused + ": publish ports instead"));
        }
        if ("host".equals(s.options().pid())) {
            errors.add(new SpecError(path + ".pid", "the host's pid namespace" + refused));
        }
        if ("host".equals(s.options().ipc())) {
            errors.add(new SpecError(path + ".ipc", "the host's ipc namespace" + refused));
        }
        // read from the document: the model may not carry these keys
        if (raw != null && "host".equals(raw.path("uts").asText(null))) {
            errors.add(new SpecError(path + ".uts", "the host's uts namespace" + refused));
        }
        if (raw != null && "host".equals(raw.path("userns_mode").asText(null))) {
            errors.add(new SpecError(path + ".userns_mode", "the host's user namespace" + refused));
        }
        if (s.options().networks().containsKey("host")) {
            errors.add(new SpecError(path + ".networks", "a network that resolves to the engine's 'host' network"
                    + refused));
        }
    }

    /** Why a security option unconfines the container, or null when it does not. */
    static String unconfines(String opt) {
        String o = opt.strip();
        int sep = o.indexOf('=') > 0 ? o.indexOf('=') : o.indexOf(':');
        String key = (sep > 0 ? o.substring(0, sep) : o).toLowerCase(Locale.ROOT);
        String value = sep > 0 ? o.substring(sep + 1).strip() : "";
        return switch (key) {
            case "seccomp" -> "replaces the engine's seccomp profile (only the default one is taken)";
            case "apparmor" -> "unconfined".equals(value) ? "turns off apparmor" : null;
            case "label" -> value.equals("disable") || value.contains("spc_t") || value.contains("unconfined_t")
                    ? "turns off SELinux labelling" : null;
            case "no-new-privileges" -> "false".equals(value) ? "turns off no-new-privileges" : null;
            case "systempaths" -> "unconfined".equals(value) ? "unmasks the host's /proc and /sys paths" : null;
            default -> null;
        };
    }

    private void mounts(DesiredState state, ServiceSpec s, String path, PolicyHost host, List<SpecError> errors) {
        for (int i = 0; i < s.mounts().size(); i++) {
            Mount m = s.mounts().get(i);
            String at = path + ".volumes[" + i + "]";
            if (m.type() == Mount.Type.BIND && !bindPrefixes.isEmpty()) {
                Path source = m.relative() ? host.dataRoot().resolve(m.source().substring(2)).normalize()
                        : Path.of(m.source());
                hostPath(m.source(), source, m.relative(), at, host, errors);
            } else if (m.type() == Mount.Type.VOLUME && !m.source().isEmpty()) {
                VolumeSpec volume = state.volumes().values().stream().filter(v -> v.name().equals(m.source()))
                        .findFirst().orElse(null);
                boolean external = volume == null || volume.external();
                Map<String, String> options;
                try {
                    options = external ? host.volumeOptions(m.source()) : volume.driver() == null
                            || "local".equals(volume.driver()) ? volume.driverOpts() : Map.of();
                } catch (RuntimeException e) {
                    errors.add(new SpecError(at, "cannot tell what the external volume " + m.source() + " binds ("
                            + e.getMessage() + "), so this device's policy (policy." + (bindPrefixes.isEmpty()
                            ? "devices" : "bindPaths") + ") refuses it; try again "
                            + "when the engine answers"));
                    continue;
                }
                String device = options.get("device");
                if (device != null && isBind(options.get("o"))) {
                    if (bindPrefixes.isEmpty()) {
                        continue; // any host path is allowed
                    }
                    hostPath("the volume " + m.source() + (external ? " (external)" : "") + " binds " + device,
                            Path.of(device), false, at, host, errors);
                } else if (device != null && device.startsWith("/dev/") && !devices) {
                    errors.add(new SpecError(at, "the volume " + m.source() + " mounts the host device " + device
                            + ", which this device's policy refuses (policy.devices=false)"));
                }
            }
        }
    }

    private static boolean isBind(String o) {
        if (o == null) {
            return false;
        }
        for (String option : o.split(",")) {
            if (option.strip().equals("bind") || option.strip().equals("rbind")) {
                return true;
            }
        }
        return false;
    }

    private void hostPath(String what, Path source, boolean relative, String at, PolicyHost host,
                          List<SpecError> errors) {
        if (!source.isAbsolute()) {
            errors.add(new SpecError(at, what + " is not an absolute host path; this device's policy "
                    + "(policy.bindPaths) takes absolute ones under its allowed paths"));
            return;
        }
        Path real = host.realPath(source);
        if (relative && real.startsWith(host.realPath(host.dataRoot())) || allowed(real, host)) {
            return;
        }
        String leads = real.equals(source.normalize()) ? "" : " (it leads to " + real + " through a symlink)";
        errors.add(new SpecError(at, "the host path " + what + leads + " is outside what this device's policy "
                + "allows (policy.bindPaths=" + String.join(",", bindPrefixes) + "): use a path under one of them"
                + (relative ? "" : " or ./relative")));
    }

    /**
     * Whether a host path, already resolved ({@link PolicyHost#realPath}), is under one of
     * {@code policy.bindPaths}; true when they are empty (any path).
     */
    public boolean allowsHostPath(Path real, PolicyHost host) {
        return bindPrefixes.isEmpty() || allowed(real, host);
    }

    private boolean allowed(Path real, PolicyHost host) {
        for (String prefix : bindPrefixes) {
            if (prefix.isBlank()) {
                continue;
            }
            if (real.startsWith(host.realPath(Path.of(prefix))) || real.startsWith(Path.of(prefix).normalize())) {
                return true;
            }
        }
        return false;
    }
}
