package io.berth.spec;

import io.berth.store.HostFiles;

import static io.berth.spec.SpecFixtures.desired;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.model.DesiredState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device policy's ways around, as an attacker with a signing key would try them (issue 15):
 * each refused on its own, by what it resolves to.
 */
class DevicePolicyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** The policy the real-engine attack ran against, plus the new keys set strict. */
    private DevicePolicy strict(String bindPaths) {
        return new DevicePolicy(false, false, false, Set.of("NET_BIND_SERVICE"), false, false, List.of(bindPaths),
                List.of());
    }

    private List<String> paths(DevicePolicy policy, String json, PolicyHost host) throws Exception {
        DesiredState state = desired(json);
        return policy.check(state, JSON.readTree(json), host).stream().map(SpecError::path).toList();
    }

    private List<SpecError> errors(DevicePolicy policy, String json, PolicyHost host) throws Exception {
        return policy.check(desired(json), JSON.readTree(json), host);
    }

    @Test
    void aNamedVolumeThatBindsTheHostRootIsAHostBind() throws Exception {
        String doc = """
                {"revision": 1, "services": {"web": {"image": "busybox", "volumes": ["root:/host"]}},
                 "volumes": {"root": {"driver_opts": {"type": "none", "o": "bind", "device": "/"}}}}""";
        List<SpecError> errors = errors(strict("/srv/x"), doc, HostFiles.files(tmp));
        assertEquals(List.of("services.web.volumes[0]"), errors.stream().map(SpecError::path).toList());
        assertTrue(errors.get(0).message().contains("policy.bindPaths=/srv/x"), errors::toString);
        // under the allowed path it is fine, as a bind would be; rbind among other options too
        assertEquals(List.of(), paths(strict(tmp.toString()), doc.replace("\"device\": \"/\"", "\"device\": \""
                + tmp.resolve("ok") + "\""), HostFiles.files(tmp)));
        assertEquals(List.of("services.web.volumes[0]"), paths(strict("/srv/x"), doc.replace("\"o\": \"bind\"",
                "\"o\": \"ro,rbind\""), HostFiles.files(tmp)));
        // without a bind restriction the volume is taken, as /:/host would be
        assertEquals(List.of(), DevicePolicy.PERMISSIVE.check(desired(doc), JSON.readTree(doc),
                HostFiles.files(tmp)));
    }

    @Test
    void anExternalVolumeIsJudgedByWhatItBindsOnTheEngine() throws Exception {
        String doc = """
                {"revision": 1, "services": {"web": {"image": "busybox", "volumes": ["data:/host"]}},
                 "volumes": {"data": {"external": true, "name": "prepared"}}}""";
        PolicyHost engineBindsRoot = HostFiles.of(tmp, name -> name.equals("prepared")
                ? Map.of("type", "none", "o", "bind", "device", "/") : Map.of());
        assertEquals(List.of("services.web.volumes[0]"), paths(strict("/srv/x"), doc, engineBindsRoot));
        assertEquals(List.of(), paths(strict("/srv/x"), doc, HostFiles.of(tmp, name -> Map.of())));
        PolicyHost engineDown = HostFiles.of(tmp, name -> {
            throw new IllegalStateException("the engine does not answer");
        });
        assertEquals(List.of("services.web.volumes[0]"), paths(strict("/srv/x"), doc, engineDown), "fails closed");
    }

    @Test
    void bindSourcesAreCheckedWhereTheirSymlinksLead() throws Exception {
        Path allowed = Files.createDirectories(tmp.resolve("srv/x"));
        Files.createSymbolicLink(allowed.resolve("escape"), Path.of("/"));
        String doc = """
                {"revision": 1, "services": {"web": {"image": "busybox", "volumes": ["%s:/host"]}}}"""
                .formatted(allowed.resolve("escape/etc"));
        List<SpecError> errors = errors(strict(allowed.toString()), doc, HostFiles.files(tmp));
        assertEquals(1, errors.size(), errors::toString);
        assertTrue(errors.get(0).message().contains("leads to /etc through a symlink"), errors::toString);
        // a real directory under the allowed path, existing or not yet, is fine
        assertEquals(List.of(), paths(strict(allowed.toString()), doc.replace("escape/etc", "real/not/yet"),
                HostFiles.files(tmp)));
    }

    @Test
    void aRelativeBindThroughASymlinkPlantedInTheDataRootIsRefused() throws Exception {
        Path dataRoot = Files.createDirectories(tmp.resolve("data"));
        // a container with ./web:/data wrote a symlink into its data dir
        Files.createDirectories(dataRoot.resolve("web"));
        Files.createSymbolicLink(dataRoot.resolve("web/planted"), Path.of("/"));
        String doc = """
                {"revision": 1, "services": {"later": {"image": "busybox", "volumes": ["./web/planted:/host"]}}}""";
        List<SpecError> errors = errors(strict("/srv/x"), doc, HostFiles.files(dataRoot));
        assertEquals(List.of("services.later.volumes[0]"), errors.stream().map(SpecError::path).toList());
        assertTrue(errors.get(0).message().contains("leads to / through a symlink"), errors::toString);
        assertEquals(List.of(), paths(strict("/srv/x"), doc.replace("planted", "config"), HostFiles.files(dataRoot)),
                "a plain relative bind stays allowed");
    }

    @Test
    void hostNamespacesAreRefusedEachOnItsOwn() throws Exception {
        String doc = """
                {"revision": 1, "services": {
                  "aa": {"image": "busybox", "network_mode": "host"},
                  "bb": {"image": "busybox", "pid": "host", "ipc": "host"},
                  "cc": {"image": "busybox", "networks": ["outside"]}},
                 "networks": {"outside": {"external": true, "name": "host"}}}""";
        DevicePolicy onlyNamespaces = new DevicePolicy(true, false, true, null, true, true, List.of(), List.of());
        assertEquals(List.of("services.aa.network_mode", "services.bb.pid", "services.bb.ipc", "services.cc.networks"),
                paths(onlyNamespaces, doc, HostFiles.files(tmp)));
        // uts and userns_mode are read from the document as written
        var tree = JSON.readTree(doc.replace("\"pid\": \"host\", \"ipc\": \"host\"", "\"uts\": \"host\", "
                + "\"userns_mode\": \"host\""));
        DesiredState state = desired(doc.replace(", \"pid\": \"host\", \"ipc\": \"host\"", ""));
        assertEquals(List.of("services.aa.network_mode", "services.bb.uts", "services.bb.userns_mode",
                "services.cc.networks"), onlyNamespaces.check(state, tree, HostFiles.files(tmp)).stream()
                .map(SpecError::path).toList());
        assertEquals(List.of(), DevicePolicy.PERMISSIVE.check(state, tree, HostFiles.files(tmp)));
    }

    @Test
    void securityOptionsThatUnconfineAreRefused() throws Exception {
        DevicePolicy onlyUnconfined = new DevicePolicy(true, true, true, null, false, true, List.of(), List.of());
        for (String opt : List.of("seccomp=unconfined", "seccomp:unconfined", "seccomp=/tmp/allow-all.json",
                "apparmor=unconfined", "apparmor:unconfined", "label=disable", "label:type:spc_t",
                "no-new-privileges=false", "no-new-privileges:false", "systempaths=unconfined")) {
            String doc = """
                    {"revision": 1, "services": {"web": {"image": "busybox", "security_opt": ["%s"]}}}"""
                    .formatted(opt);
            List<SpecError> errors = errors(onlyUnconfined, doc, HostFiles.files(tmp));
            assertEquals(List.of("services.web.security_opt"), errors.stream().map(SpecError::path).toList(), opt);
            assertTrue(errors.get(0).message().contains("policy.unconfined=false"), errors::toString);
        }
        for (String opt : List.of("no-new-privileges", "no-new-privileges=true", "label=level:s0:c100,c200",
                "apparmor=my-profile")) {
            String doc = """
                    {"revision": 1, "services": {"web": {"image": "busybox", "security_opt": ["%s"]}}}"""
                    .formatted(opt);
            assertEquals(List.of(), paths(onlyUnconfined, doc, HostFiles.files(tmp)), opt);
        }
    }

    @Test
    void sysctlsAndCapabilitiesBeyondTheAllowListAreRefused() throws Exception {
        String doc = """
                {"revision": 1, "services": {"web": {"image": "busybox", "sysctls": {"net.ipv4.ip_forward": "1"},
                  "cap_add": ["NET_BIND_SERVICE", "CAP_SYS_ADMIN"]}}}""";
        DevicePolicy policy = new DevicePolicy(true, true, true, Set.of("net_bind_service"), true, false, List.of(),
                List.of());
        List<SpecError> errors = errors(policy, doc, HostFiles.files(tmp));
        assertEquals(List.of("services.web.cap_add", "services.web.sysctls"), errors.stream().map(SpecError::path)
                .toList());
        assertTrue(errors.get(0).message().contains("SYS_ADMIN"), errors::toString);
        String all = """
                {"revision": 1, "services": {"web": {"image": "busybox", "cap_add": ["ALL"]}}}""";
        assertEquals(List.of("services.web.cap_add"), paths(policy, all, HostFiles.files(tmp)),
                "ALL is not any capability: only when listed");
        DevicePolicy allListed = new DevicePolicy(true, true, true, Set.of("ALL"), true, true, List.of(), List.of());
        assertEquals(List.of(), paths(allListed, all, HostFiles.files(tmp)));
    }
}
