package io.berth.spec;

import io.berth.model.DesiredState;
import io.berth.model.ImageRef;
import io.berth.model.Mount;
import io.berth.model.ServiceSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * What this device allows (PROTOCOL.md §3 "Device policy"), from the device profile and the
 * config keys {@code policy.*}. A document that asks for more is rejected whole, each refusal
 * with its path and the policy key that refused it. All permissive by default.
 *
 * @param bindPrefixes absolute host paths binds may use (empty = any); ./relative binds are always allowed
 * @param registries   registry hosts images may come from (empty = any); docker.io for bare names
 */
public record DevicePolicy(boolean privileged, boolean hostNetwork, boolean devices, boolean capAdd,
                           List<String> bindPrefixes, List<String> registries) {

    public static final DevicePolicy PERMISSIVE = new DevicePolicy(true, true, true, true, List.of(), List.of());

    public DevicePolicy {
        bindPrefixes = List.copyOf(bindPrefixes);
        registries = List.copyOf(registries);
    }

    public List<SpecError> check(DesiredState state) {
        List<SpecError> errors = new ArrayList<>();
        for (ServiceSpec s : state.services().values()) {
            String path = "services." + s.name();
            if (!privileged && s.options().privileged()) {
                errors.add(new SpecError(path + ".privileged", "refused by this device's policy "
                        + "(policy.privileged=false): run without privileged, with cap_add and devices instead"));
            }
            if (!hostNetwork && "host".equals(s.options().networkMode())) {
                errors.add(new SpecError(path + ".network_mode", "host networking is refused by this device's policy "
                        + "(policy.hostNetwork=false): publish ports instead"));
            }
            if (!devices && (!s.options().devices().isEmpty() || !s.options().deviceCgroupRules().isEmpty()
                    || !s.options().gpus().isEmpty())) {
                errors.add(new SpecError(path + ".devices", "host devices are refused by this device's policy "
                        + "(policy.devices=false)"));
            }
            if (!capAdd && !s.options().capAdd().isEmpty()) {
                errors.add(new SpecError(path + ".cap_add", "added capabilities are refused by this device's policy "
                        + "(policy.capAdd=false)"));
            }
            if (!bindPrefixes.isEmpty()) {
                for (int i = 0; i < s.mounts().size(); i++) {
                    Mount m = s.mounts().get(i);
                    if (m.type() == Mount.Type.BIND && !m.relative() && !under(m.source())) {
                        errors.add(new SpecError(path + ".volumes[" + i + "]", "the host path " + m.source()
                                + " is outside what this device's policy allows (policy.bindPaths="
                                + String.join(",", bindPrefixes) + "): use a path under one of them or ./relative"));
                    }
                }
            }
            if (!registries.isEmpty() && !registries.contains(ImageRef.registryOf(s.image()))) {
                errors.add(new SpecError(path + ".image", "registry " + ImageRef.registryOf(s.image())
                        + " is not on this device's allow-list (policy.registries=" + String.join(",", registries)
                        + "): push the image to one of them"));
            }
        }
        return errors;
    }

    private boolean under(String path) {
        for (String prefix : bindPrefixes) {
            String p = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
            if (path.equals(p) || path.startsWith(p + "/") || p.isEmpty()) {
                return true;
            }
        }
        return false;
    }
}
