package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * PROTOCOL.md §3: services that name no network join {@code {project}_default} and reach each
 * other by service name and by container name, as in Compose; a device whose services ran on the
 * engine's bridge moves to it with one recreation and keeps its volumes' data. All traffic stays
 * inside the containers (docker exec), never from the host to a container address.
 */
class DefaultNetworkIT extends WithTestDevice {

    @Test
    void servicesReachEachOtherByNameAndMoveThereFromTheBridgeKeepingTheirData() throws Exception {
        String web = device.container("web");
        String client = device.container("client");
        String data = device.volume("data");
        String network = device.project + "_default";
        TestBroker broker = device.broker();
        device.startAgent();

        // revision 1: as every service ran before the default network, on the engine's bridge
        broker.publishDesired(document(1, web, client, data, "\"network_mode\": \"bridge\","));
        broker.awaitReported("converged on revision 1", r -> TestBroker.converged(r, 1), ReconcileIT.CONVERGE);
        assertEquals("bridge", DockerCli.inspect(web, "{{.HostConfig.NetworkMode}}"));
        DockerCli.ok("exec", web, "sh", "-c", "echo kept > /data/mark && echo anon > /anon/mark");
        String firstId = DockerCli.inspect(web, "{{.Id}}");

        // revision 2: the same services naming no network, as a Compose file is written
        broker.publishDesired(document(2, web, client, data, ""));
        broker.awaitReported("converged on revision 2", r -> TestBroker.converged(r, 2), ReconcileIT.CONVERGE);
        assertEquals(network, DockerCli.inspect(web, "{{.HostConfig.NetworkMode}}"));
        assertEquals(network, DockerCli.inspect(client, "{{.HostConfig.NetworkMode}}"));
        assertEquals("true", DockerCli.inspect(network, "{{index .Labels \"berth.managed\"}}"));
        assertNotEquals(firstId, DockerCli.inspect(web, "{{.Id}}"), "recreated once to join the network");
        assertEquals("kept", DockerCli.ok("exec", web, "cat", "/data/mark"), "the named volume kept its data");
        assertEquals("anon", DockerCli.ok("exec", web, "cat", "/anon/mark"), "the anonymous volume was inherited");
        String aliases = DockerCli.inspect(web, "{{json (index .NetworkSettings.Networks \"" + network + "\").Aliases}}");
        assertTrue(aliases.contains("\"web\""), aliases);

        assertEquals("v1", fetch(client, "web"), "by service name");
        assertEquals("v1", fetch(client, web), "by container name");
    }

    private static String document(int revision, String web, String client, String data, String webNetwork) {
        return """
                {"revision": %d,
                 "services": {
                   "web": {"image": "%s", "container_name": "%s", %s
                           "command": ["httpd", "-f", "-p", "80", "-h", "/www"], "volumes": ["data:/data", "/anon"]},
                   "client": {"image": "%s", "container_name": "%s", "command": ["sleep", "3600"]}
                 },
                 "volumes": {"data": {"name": "%s"}}}
                """.formatted(revision, ReconcileIT.IMAGE_V1, web, webNetwork, ReconcileIT.IMAGE_V1, client, data);
    }

    /**
     * An HTTP GET from inside {@code container} with busybox nc (this image's static wget crashes on
     * name lookups): the body's last line, once the host answers.
     */
    private static String fetch(String container, String host) throws InterruptedException {
        String[] get = {"exec", container, "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 \"$0\" 80", host};
        return Await.until("GET http://" + host + "/ from " + container, () -> {
            DockerCli.Result r = DockerCli.run(get);
            return r.exitCode() == 0 && r.out().startsWith("HTTP/1.") ? r.out().substring(r.out().lastIndexOf('\n') + 1)
                    : null;
        }, Duration.ofSeconds(30), () -> DockerCli.run(get).toString());
    }
}
