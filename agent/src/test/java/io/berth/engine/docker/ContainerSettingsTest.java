package io.berth.engine.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.model.ServiceSpec;
import io.berth.spec.DocumentParser;
import io.berth.spec.ParsedDocument;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The container create request as the engine is sent it. These bodies were checked equal, key for
 * key, to what docker-java's create command sent for the same specs before the engine adapter
 * wrote its own JSON (its explicit nulls and empty {@code Volumes} aside); ServiceKeysIT checks the
 * keys against a real engine.
 */
class ContainerSettingsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> LABELS = Map.of("berth.managed", "true");

    private static ServiceSpec service(String document, String name) throws Exception {
        ParsedDocument parsed = DocumentParser.parse(JSON.readTree(document));
        return ((ParsedDocument.Valid) parsed).state().services().get(name);
    }

    @Test
    void aPlainServiceOnTheDefaultNetwork() throws Exception {
        ServiceSpec spec = service("{\"revision\": 1, \"services\": {\"plain\": {\"image\": \"img:2\", \"restart\": \"no\"},"
                + "\"linked\": {\"image\": \"img:2\", \"links\": [\"plain:p\"], \"restart\": \"unless-stopped\"}}}", "linked");
        ContainerSettings settings = ContainerSettings.of(spec, LABELS);
        assertEquals("/containers/create?name=linked", settings.path());
        assertEquals(JSON.readTree("""
                {"Env":[],"Image":"img:2","ExposedPorts":{},
                 "HostConfig":{"Binds":[],"PortBindings":{},"RestartPolicy":{"Name":"unless-stopped","MaximumRetryCount":0},
                               "Links":["plain:p"],"NetworkMode":"berth_default"},
                 "Labels":{"berth.managed":"true"},
                 "NetworkingConfig":{"EndpointsConfig":{"berth_default":{"Aliases":["linked"],"Links":["plain:p"]}}}}
                """), settings.body());
        assertEquals(JSON.readTree("{\"Name\":\"\",\"MaximumRetryCount\":0}"),
                ContainerSettings.of(service("{\"revision\": 1, \"services\": {\"plain\": {\"image\": \"img:2\", "
                        + "\"restart\": \"no\"}}}", "plain"), LABELS).body().at("/HostConfig/RestartPolicy"),
                "no restart is the engine's empty name, as docker-java sent it");
    }

    @Test
    void portsMountsNetworksAndHostKeys() throws Exception {
        ServiceSpec spec = service("""
                {"revision": 1, "services": {"web": {
                  "image": "img:1", "container_name": "c-web", "platform": "linux/arm64",
                  "ports": [{"target": 80, "published": 8080, "host_ip": "127.0.0.1"}, "91", "93:93", "8081:93"],
                  "expose": ["53/udp"],
                  "volumes": ["/srv/conf:/conf:ro", "/srv/y:/y:rslave", "/anon", "/fresh"],
                  "networks": {"back": {"aliases": ["www"], "ipv4_address": "172.30.0.5", "priority": 10},
                               "front": {"ipv6_address": "fd00::5"}},
                  "ulimits": {"nproc": 512}, "restart": "on-failure:3",
                  "deploy": {"resources": {"reservations": {"devices": [{"device_ids": ["0"], "capabilities": ["gpu"]}]}}}}},
                 "networks": {"back": {"name": "nback"}, "front": {"name": "nfront", "enable_ipv6": true}}}
                """, "web");
        ContainerSettings settings = ContainerSettings.of(spec, LABELS, Map.of("/anon", "anonvol"));
        JsonNode body = settings.body();
        assertEquals("/containers/create?name=c-web&platform=linux%2Farm64", settings.path());
        assertEquals(JSON.readTree("""
                {"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"8080"}],"91/tcp":[{"HostIp":"","HostPort":""}],
                 "93/tcp":[{"HostIp":"","HostPort":"93"},{"HostIp":"","HostPort":"8081"}]}
                """), body.at("/HostConfig/PortBindings"));
        assertEquals(JSON.readTree("{\"80/tcp\":{},\"91/tcp\":{},\"93/tcp\":{},\"53/udp\":{}}"), body.get("ExposedPorts"));
        assertEquals(JSON.readTree("[\"/srv/conf:/conf:ro\",\"/srv/y:/y:rw,rslave\",\"anonvol:/anon:rw\"]"),
                body.at("/HostConfig/Binds"), "docker-java's bind syntax: the access mode always written");
        assertEquals(JSON.readTree("{\"/fresh\":{}}"), body.get("Volumes"), "an anonymous volume with no name yet");
        assertEquals(JSON.readTree("{\"nback\":{\"Aliases\":[\"web\",\"www\"],\"IPAMConfig\":{\"IPv4Address\":\"172.30.0.5\"}}}"),
                body.at("/NetworkingConfig/EndpointsConfig"), "the network of highest priority at create");
        assertEquals("nback", body.at("/HostConfig/NetworkMode").asText());
        assertEquals(Map.of("nfront", JSON.readTree("{\"Aliases\":[\"web\"],\"IPAMConfig\":{\"IPv6Address\":\"fd00::5\"}}")),
                settings.extraNetworks());
        assertEquals("[{\"Name\":\"nproc\",\"Soft\":512,\"Hard\":512}]", body.at("/HostConfig/Ulimits").toString());
        assertEquals(JSON.readTree("[{\"DeviceIDs\":[\"0\"],\"Capabilities\":[[\"gpu\"]]}]"),
                body.at("/HostConfig/DeviceRequests"));
        assertEquals(JSON.readTree("{\"Name\":\"on-failure\",\"MaximumRetryCount\":3}"), body.at("/HostConfig/RestartPolicy"));
        assertFalse(body.get("HostConfig").has("Privileged"), "a key the spec leaves unset is not sent");
    }
}
