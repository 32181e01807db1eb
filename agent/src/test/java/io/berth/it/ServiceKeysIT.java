package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * PROTOCOL.md §3: every service key reaches the engine. One document with (nearly) every key,
 * published to a real agent; {@code docker inspect} of what it created shows each mapping.
 */
class ServiceKeysIT extends WithTestDevice {
    @Test
    void everyKeyReachesTheEngine() throws Exception {
        String web = device.container("web");
        String side = device.container("side");
        String net = device.network("back");
        String data = device.volume("data");
        int port = TestDevice.freePort();
        TestBroker broker = device.broker();
        device.startAgent();
        String document = """
                {"revision": 1,
                 "services": {
                   "web": {
                     "image": "%1$s", "container_name": "%2$s",
                     "command": "httpd -f -p 80 -h /www",
                     "ports": [{"target": 80, "published": %3$d, "host_ip": "127.0.0.1"}],
                     "expose": ["81", "53/udp"],
                     "volumes": [{"type": "volume", "source": "data", "target": "/data"},
                                 "./conf/web:/conf:ro", "/anon",
                                 {"type": "tmpfs", "target": "/scratch", "tmpfs": {"size": "8m"}}],
                     "tmpfs": ["/run/x:size=1m"],
                     "networks": {"back": {"aliases": ["www"]}},
                     "hostname": "webhost", "domainname": "example.lan", "working_dir": "/www", "user": "0:0",
                     "group_add": ["100"], "read_only": false, "labels": ["tier=front", "owner=ops"],
                     "mem_limit": "64m", "mem_reservation": "32m", "cpus": "0.5", "shm_size": "16m",
                     "devices": ["/dev/null:/dev/mynull:rw"], "device_cgroup_rules": ["c 1:3 rmw"],
                     "privileged": false, "cap_add": ["NET_ADMIN"], "cap_drop": ["CAP_MKNOD"],
                     "security_opt": ["no-new-privileges:true"], "sysctls": {"net.core.somaxconn": 1024},
                     "ulimits": {"nofile": {"soft": 1024, "hard": 2048}, "nproc": 512},
                     "ipc": "shareable", "tty": true, "stdin_open": true,
                     "healthcheck": {"test": "wget -q -O- http://127.0.0.1/ || exit 1", "interval": "2s",
                                     "timeout": "1s", "retries": 3, "start_period": "1s"},
                     "stop_grace_period": "1m30s", "stop_signal": "INT",
                     "logging": {"driver": "json-file", "options": {"max-size": "1m", "max-file": 2}},
                     "init": true, "pull_policy": "missing",
                     "extra_hosts": ["gateway.lan:10.0.0.1"], "dns": ["127.0.0.53"], "dns_search": "example.lan",
                     "environment": ["MODE=it"], "restart": "on-failure:3",
                     "x-note": "ignored"
                   },
                   "worker": {
                     "image": "%1$s", "container_name": "%4$s",
                     "command": ["sleep", "3600"],
                     "network_mode": "service:web", "volumes_from": ["web:ro"], "ipc": "service:web",
                     "depends_on": {"web": {"condition": "service_healthy"}},
                     "deploy": {"resources": {"limits": {"memory": "1g", "cpus": 1}}}
                   }
                 },
                 "volumes": {"data": {"name": "%5$s"}},
                 "networks": {"back": {"name": "%6$s", "labels": {"purpose": "it"}}}}
                """.formatted(ReconcileIT.IMAGE_V1, web, port, side, data, net);
        broker.publishDesired(document);
        JsonNode reported = broker.awaitReported("converged on revision 1", r -> TestBroker.converged(r, 1),
                ReconcileIT.CONVERGE);
        assertTrue(reported.path("rejected").isNull(), reported.toString());

        assertEquals("[httpd -f -p 80 -h /www]", inspect(web, "{{.Config.Cmd}}"));
        assertTrue(inspect(web, "{{json .HostConfig.PortBindings}}").contains("\"HostIp\":\"127.0.0.1\",\"HostPort\":\"" + port + "\""));
        String exposed = inspect(web, "{{json .Config.ExposedPorts}}");
        assertTrue(exposed.contains("81/tcp") && exposed.contains("53/udp") && exposed.contains("80/tcp"), exposed);
        String mounts = inspect(web, "{{json .Mounts}}");
        assertTrue(mounts.contains("\"Name\":\"" + data + "\""), mounts);
        assertTrue(mounts.contains(device.stateDir.resolve("data/conf/web").toString()), mounts);
        assertTrue(Files.isDirectory(device.stateDir.resolve("data/conf/web")), "the relative bind's directory");
        assertTrue(mounts.contains("\"Destination\":\"/anon\""), mounts);
        String tmpfs = inspect(web, "{{json .HostConfig.Tmpfs}}");
        assertTrue(tmpfs.contains("\"/scratch\":\"size=8388608\"") && tmpfs.contains("\"/run/x\":\"size=1m\""), tmpfs);
        assertEquals(net, inspect(web, "{{.HostConfig.NetworkMode}}"));
        String aliases = inspect(web, "{{json (index .NetworkSettings.Networks \"" + net + "\").Aliases}}");
        assertTrue(aliases.contains("\"www\"") && aliases.contains("\"web\""), aliases);
        assertEquals("webhost", inspect(web, "{{.Config.Hostname}}"));
        assertEquals("example.lan", inspect(web, "{{.Config.Domainname}}"));
        assertEquals("/www", inspect(web, "{{.Config.WorkingDir}}"));
        assertEquals("0:0", inspect(web, "{{.Config.User}}"));
        assertEquals("[100]", inspect(web, "{{.HostConfig.GroupAdd}}"));
        assertEquals("front", inspect(web, "{{index .Config.Labels \"tier\"}}"));
        assertEquals("true", inspect(web, "{{index .Config.Labels \"berth.managed\"}}"));
        assertEquals(String.valueOf(64 << 20), inspect(web, "{{.HostConfig.Memory}}"));
        assertEquals(String.valueOf(32 << 20), inspect(web, "{{.HostConfig.MemoryReservation}}"));
        assertEquals("500000000", inspect(web, "{{.HostConfig.NanoCpus}}"));
        assertEquals(String.valueOf(16 << 20), inspect(web, "{{.HostConfig.ShmSize}}"));
        assertTrue(inspect(web, "{{json .HostConfig.Devices}}").contains("\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/mynull\",\"CgroupPermissions\":\"rw\""));
        assertEquals("[c 1:3 rmw]", inspect(web, "{{.HostConfig.DeviceCgroupRules}}"));
        assertEquals("false", inspect(web, "{{.HostConfig.Privileged}}"));
        assertEquals("[NET_ADMIN]", inspect(web, "{{.HostConfig.CapAdd}}").replace("CAP_", ""));
        assertEquals("[MKNOD]", inspect(web, "{{.HostConfig.CapDrop}}").replace("CAP_", ""));
        assertEquals("[no-new-privileges:true]", inspect(web, "{{.HostConfig.SecurityOpt}}"));
        assertEquals("1024", inspect(web, "{{index .HostConfig.Sysctls \"net.core.somaxconn\"}}"));
        String ulimits = inspect(web, "{{json .HostConfig.Ulimits}}");
        assertTrue(ulimits.contains("{\"Name\":\"nofile\",\"Hard\":2048,\"Soft\":1024}") && ulimits.contains("nproc"), ulimits);
        assertEquals("shareable", inspect(web, "{{.HostConfig.IpcMode}}"));
        assertEquals("true true", inspect(web, "{{.Config.Tty}} {{.Config.OpenStdin}}"));
        assertEquals("[CMD-SHELL wget -q -O- http://127.0.0.1/ || exit 1] 2s 1s 3 1s",
                inspect(web, "{{.Config.Healthcheck.Test}} {{.Config.Healthcheck.Interval}} "
                        + "{{.Config.Healthcheck.Timeout}} {{.Config.Healthcheck.Retries}} "
                        + "{{.Config.Healthcheck.StartPeriod}}"));
        assertEquals("90 SIGINT", inspect(web, "{{.Config.StopTimeout}} {{.Config.StopSignal}}"));
        assertEquals("json-file map[max-file:2 max-size:1m]", inspect(web, "{{.HostConfig.LogConfig.Type}} "
                + "{{.HostConfig.LogConfig.Config}}"));
        assertEquals("true", inspect(web, "{{.HostConfig.Init}}"));
        assertEquals("[gateway.lan:10.0.0.1]", inspect(web, "{{.HostConfig.ExtraHosts}}"));
        assertEquals("[127.0.0.53] [example.lan]", inspect(web, "{{.HostConfig.Dns}} {{.HostConfig.DnsSearch}}"));
        assertTrue(inspect(web, "{{json .Config.Env}}").contains("MODE=it"));
        assertEquals("on-failure 3", inspect(web, "{{.HostConfig.RestartPolicy.Name}} "
                + "{{.HostConfig.RestartPolicy.MaximumRetryCount}}"));

        String webId = inspect(web, "{{.Id}}");
        String networkMode = inspect(side, "{{.HostConfig.NetworkMode}}");
        assertTrue(networkMode.equals("container:" + webId) || networkMode.equals("container:" + web), networkMode);
        String ipcMode = inspect(side, "{{.HostConfig.IpcMode}}");
        assertTrue(ipcMode.equals("container:" + webId) || ipcMode.equals("container:" + web), ipcMode);
        assertEquals("[" + web + ":ro]", inspect(side, "{{.HostConfig.VolumesFrom}}"));
        // no 'logging' in the document: the profile's limits, so SD cards do not fill
        assertEquals("json-file map[max-file:3 max-size:10m]", inspect(side, "{{.HostConfig.LogConfig.Type}} "
                + "{{.HostConfig.LogConfig.Config}}"));
        assertEquals(String.valueOf(1L << 30) + " 1000000000", inspect(side, "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}"));

        assertEquals("true", inspect(net, "{{index .Labels \"berth.managed\"}}"));
        assertEquals("it", inspect(net, "{{index .Labels \"purpose\"}}"));
        assertEquals("v1", Await.until("web answers", () -> ReconcileIT.httpGet(port), Duration.ofSeconds(30),
                () -> "no answer"));

        // the network leaves the document with its last user: Berth removes it; the volume stays
        broker.publishDesired("{\"revision\": 2, \"services\": {}}");
        broker.awaitReported("converged on revision 2", r -> TestBroker.converged(r, 2), ReconcileIT.CONVERGE);
        Await.until("the network to be removed", () -> inspect(net, "{{.Name}}") == null ? "gone" : null,
                Duration.ofSeconds(30), () -> "still there");
        assertNull(inspect(web, "{{.Id}}"));
        assertEquals(data, inspect(data, "{{.Name}}"));
    }

    @Test
    void anExternalNetworkThatDoesNotExistBlocksItsServiceWithAClearError() throws Exception {
        String web = device.container("web");
        String missing = device.network("missing");
        TestBroker broker = device.broker();
        device.startAgent();
        broker.publishDesired("""
                {"revision": 1, "services": {"web": {"image": "%s", "container_name": "%s",
                   "command": ["sleep", "3600"], "networks": ["outside"]}},
                 "networks": {"outside": {"external": true, "name": "%s"}}}
                """.formatted(ReconcileIT.IMAGE_V1, web, missing));
        JsonNode reported = broker.awaitReported("a report naming the missing network",
                r -> r.path("services").path("web").path("error").asText().contains("external"),
                ReconcileIT.CONVERGE);
        assertTrue(reported.path("services").path("web").path("error").asText().contains(missing), reported.toString());
        assertNull(inspect(web, "{{.Id}}"));
    }

    @Test
    void theKeysOfTheSecondListReachTheEngine() throws Exception {
        String tuned = device.container("tuned");
        String front = device.network("front");
        String back = device.network("back");
        TestBroker broker = device.broker();
        device.startAgent();
        // blkio rates need a block device the engine can see: the machine's disk (vda here); a machine
        // without one in /dev (a container, like the fresh-machine test's) checks the other keys
        String disk = blockDevice();
        broker.publishDesired("""
                {"revision": 1,
                 "services": {
                   "tuned": {
                     "image": "%1$s", "container_name": "%2$s", "command": ["sleep", "3600"],
                     "pids_limit": 50, "cpuset": "0", "cpu_shares": 512, "cpu_quota": 50000, "cpu_period": 100000,
                     "mem_limit": "64m", "memswap_limit": "128m", "mem_swappiness": 10, "oom_score_adj": 100,
                     "oom_kill_disable": true, "cgroup_parent": "/docker", "dns_opt": ["ndots:2"],
                     "mac_address": "02:42:ac:11:00:99", "userns_mode": "host", "uts": "host",
                     %5$s
                     "deploy": {"restart_policy": {"condition": "on-failure", "max_attempts": 2}},
                     "networks": {"front": {}, "back": {"priority": 10}}
                   }
                 },
                 "networks": {"front": {"name": "%3$s"}, "back": {"name": "%4$s"}}}
                """.formatted(ReconcileIT.IMAGE_V1, tuned, front, back, disk == null ? "" : """
                "blkio_config": {"device_read_bps": [{"path": "%1$s", "rate": "1mb"}],
                                 "device_write_iops": [{"path": "%1$s", "rate": 100}]},""".formatted(disk)));
        JsonNode reported = broker.awaitReported("converged on revision 1", r -> TestBroker.converged(r, 1),
                ReconcileIT.CONVERGE);
        assertTrue(reported.path("rejected").isNull(), reported.toString());

        assertEquals("50 0 512 50000 100000", inspect(tuned, "{{.HostConfig.PidsLimit}} {{.HostConfig.CpusetCpus}} "
                + "{{.HostConfig.CpuShares}} {{.HostConfig.CpuQuota}} {{.HostConfig.CpuPeriod}}"));
        assertEquals((64 << 20) + " " + (128 << 20) + " 10 100 true", inspect(tuned, "{{.HostConfig.Memory}} "
                + "{{.HostConfig.MemorySwap}} {{.HostConfig.MemorySwappiness}} {{.HostConfig.OomScoreAdj}} "
                + "{{.HostConfig.OomKillDisable}}"));
        assertEquals("/docker [ndots:2] host host", inspect(tuned, "{{.HostConfig.CgroupParent}} "
                + "{{.HostConfig.DnsOptions}} {{.HostConfig.UsernsMode}} {{.HostConfig.UTSMode}}"));
        assertEquals("02:42:ac:11:00:99", inspect(tuned, "{{.Config.MacAddress}}"));
        if (disk != null) {
            assertEquals("[" + disk + ":1048576] [" + disk + ":100]", inspect(tuned,
                    "{{.HostConfig.BlkioDeviceReadBps}} {{.HostConfig.BlkioDeviceWriteIOps}}"));
        }
        assertEquals("on-failure 2", inspect(tuned, "{{.HostConfig.RestartPolicy.Name}} "
                + "{{.HostConfig.RestartPolicy.MaximumRetryCount}}"));
        assertEquals(back, inspect(tuned, "{{.HostConfig.NetworkMode}}"), "the higher priority is joined first");
        String networks = inspect(tuned, "{{json .NetworkSettings.Networks}}");
        assertTrue(networks.contains(front) && networks.contains(back), networks);
    }

    @Test
    void aKeyTheEnginesApiIsTooOldForIsARejectionNamingTheVersionItNeeds() throws Exception {
        String web = device.container("web");
        TestBroker broker = device.broker();
        device.startAgent();
        String api = DockerCli.ok("version", "-f", "{{.Server.APIVersion}}");
        org.junit.jupiter.api.Assumptions.assumeTrue(io.berth.spec.EngineApiTestAccess.older(api, "1.43"),
                "the engine speaks " + api + ", new enough for annotations");
        broker.publishDesired("""
                {"revision": 1, "services": {"web": {"image": "%s", "container_name": "%s",
                   "command": ["sleep", "3600"], "annotations": {"com.example.tier": "front"}}}}
                """.formatted(ReconcileIT.IMAGE_V1, web));
        JsonNode reported = broker.awaitReported("the rejection", r -> !r.path("rejected").isNull()
                && r.path("rejected").path("revision").asLong() == 1, ReconcileIT.CONVERGE);
        JsonNode error = reported.path("rejected").path("errors").get(0);
        assertEquals("services.web.annotations", error.path("path").asText(), reported.toString());
        assertTrue(error.path("message").asText().contains("needs engine API 1.43"), error.toString());
        assertNull(inspect(web, "{{.Id}}"), "nothing was created");
    }

    private static String inspect(String name, String format) {
        return DockerCli.inspect(name, format);
    }

    /** The first whole disk of /sys/block that has its node in /dev, or null. */
    private static String blockDevice() {
        java.io.File[] disks = new java.io.File("/sys/block").listFiles();
        if (disks == null) {
            return null;
        }
        java.util.Arrays.sort(disks);
        for (java.io.File d : disks) {
            String name = d.getName();
            if (!name.startsWith("loop") && !name.startsWith("ram") && new java.io.File("/dev/" + name).exists()) {
                return "/dev/" + name;
            }
        }
        return null;
    }
}
