package io.berth.spec;

import static io.berth.spec.SpecFixtures.desired;
import static io.berth.spec.SpecFixtures.web;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.model.HostOptions;
import io.berth.model.ServiceSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md §3's second list of service keys: read, normalized, and checked against the engine's API. */
class SecondListKeysTest {

    @Test
    void everyKeyIsReadAndNormalized() {
        ServiceSpec s = web("""
                {"image": "busybox", "pids_limit": "50", "cpuset": "0-1,3", "cpu_shares": 512, "cpu_quota": 50000,
                 "cpu_period": 100000, "memswap_limit": "1g", "mem_swappiness": 0, "oom_score_adj": -500,
                 "oom_kill_disable": true, "cgroup_parent": "edge", "dns_opt": "ndots:2",
                 "mac_address": "02:42:ac:11:00:02", "userns_mode": "host", "uts": "host",
                 "storage_opt": {"size": "1G"}, "annotations": ["com.example.a=b"],
                 "blkio_config": {"weight": 300, "weight_device": [{"path": "/dev/sda", "weight": 400}],
                                  "device_read_bps": [{"path": "/dev/sda", "rate": "12mb"}],
                                  "device_write_iops": [{"path": "/dev/sda", "rate": 30}]}}""");
        HostOptions h = s.options().host();
        assertEquals(50L, h.pidsLimit());
        assertEquals("0-1,3", h.cpuset());
        assertEquals(512L, h.cpuShares());
        assertEquals(50000L, h.cpuQuota());
        assertEquals(100000L, h.cpuPeriod());
        assertEquals(1L << 30, h.memswapLimit());
        assertEquals(0, h.memSwappiness());
        assertEquals(-500, h.oomScoreAdj());
        assertTrue(h.oomKillDisable());
        assertEquals("edge", h.cgroupParent());
        assertEquals(List.of("ndots:2"), h.dnsOpt());
        assertEquals("02:42:ac:11:00:02", h.macAddress());
        assertEquals("host", h.usernsMode());
        assertEquals("host", h.uts());
        assertEquals(Map.of("size", "1G"), h.storageOpt());
        assertEquals(Map.of("com.example.a", "b"), h.annotations());
        assertEquals(new HostOptions.Blkio(300, List.of(new HostOptions.DeviceRate("/dev/sda", 400)),
                List.of(new HostOptions.DeviceRate("/dev/sda", 12L << 20)), List.of(), List.of(),
                List.of(new HostOptions.DeviceRate("/dev/sda", 30))), h.blkio());
    }

    @Test
    void deployRestartPolicyIsMappedAsComposeDoesAndRestartWins() {
        assertEquals("on-failure:3", web("""
                {"image": "busybox", "deploy": {"restart_policy": {"condition": "on-failure", "max_attempts": 3}}}""")
                .restart().toString());
        assertEquals("always", web("""
                {"image": "busybox", "deploy": {"restart_policy": {"condition": "any"}}}""").restart().toString());
        assertEquals("no", web("""
                {"image": "busybox", "deploy": {"restart_policy": {"condition": "none", "delay": "5s"}}}""")
                .restart().toString());
        assertEquals("unless-stopped", web("""
                {"image": "busybox", "restart": "unless-stopped",
                 "deploy": {"restart_policy": {"condition": "none"}}}""").restart().toString());
    }

    @Test
    void pidsFromDeployAndGpusAll() {
        ServiceSpec s = web("""
                {"image": "busybox", "gpus": "all", "deploy": {"replicas": 1, "resources": {"limits": {"pids": 9}}}}""");
        assertEquals(9L, s.options().host().pidsLimit());
        assertEquals(-1, s.options().gpus().get(0).count());
        assertEquals(List.of("gpu"), s.options().gpus().get(0).capabilities());
    }

    @Test
    void networkAddressesAndPriority() {
        var attachment = desired("""
                {"revision": 1, "services": {"web": {"image": "busybox",
                  "networks": {"back": {"ipv6_address": "fd00::5", "priority": 5}}}},
                 "networks": {"back": {"enable_ipv6": true}}}""").services().get("web").options().networks().get("back");
        assertEquals("fd00::5", attachment.ipv6Address());
        assertEquals(5, attachment.priority());
    }

    @Test
    void keysTheEngineApiIsTooOldForAreNamedWithTheVersionTheyNeed() {
        var state = desired("""
                {"revision": 1, "services": {"web": {"image": "busybox", "annotations": {"a": "b"},
                  "healthcheck": {"test": "true", "start_interval": "1s"}}}}""");
        List<SpecError> old = EngineApi.check(state, "1.41");
        assertEquals(List.of("services.web.annotations", "services.web.healthcheck.start_interval"),
                old.stream().map(SpecError::path).toList());
        assertTrue(old.get(0).message().contains("needs engine API 1.43"), old.get(0).message());
        assertEquals(1, EngineApi.check(state, "1.43").size());
        assertEquals(List.of(), EngineApi.check(state, "1.45"));
        assertEquals(List.of(), EngineApi.check(state, null), "unknown: the engine decides");
    }
}
