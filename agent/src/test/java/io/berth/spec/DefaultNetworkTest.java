package io.berth.spec;

import static io.berth.spec.SpecFixtures.desired;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.model.DesiredState;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md §3: services that name no network join {@code {name}_default}, as in Compose. */
class DefaultNetworkTest {

    @Test
    void servicesThatNameNoNetworkJoinBerthDefault() {
        DesiredState d = desired("""
                {"revision": 1, "services": {"web": {"image": "busybox"}, "db": {"image": "busybox"}}}""");
        assertEquals("berth_default", d.networks().get("default").name());
        assertFalse(d.networks().get("default").external());
        assertEquals(List.of("berth_default"), List.copyOf(d.services().get("web").options().networks().keySet()));
        assertEquals(List.of("berth_default"), List.copyOf(d.services().get("db").options().networks().keySet()));
    }

    @Test
    void theDocumentsNameOrTheDevicesProjectNamesIt() {
        DesiredState named = desired("""
                {"revision": 1, "name": "shop", "services": {"web": {"image": "busybox"}}}""");
        assertEquals("shop_default", named.networks().get("default").name());
        ParsedDocument device = DocumentParser.parseJson("""
                {"revision": 1, "services": {"web": {"image": "busybox"}}}""".getBytes(StandardCharsets.UTF_8),
                "pi42");
        assertEquals("pi42_default", ((ParsedDocument.Valid) device).state().networks().get("default").name());
    }

    @Test
    void aServiceWithNetworksOrANetworkModeStaysOffItAndItIsNotCreatedForNobody() {
        DesiredState d = desired("""
                {"revision": 1, "services": {"web": {"image": "busybox", "networks": ["back"]},
                  "tool": {"image": "busybox", "network_mode": "host"},
                  "side": {"image": "busybox", "network_mode": "service:web"}},
                 "networks": {"back": {}}}""");
        assertFalse(d.networks().containsKey("default"));
        assertEquals(List.of("back"), List.copyOf(d.services().get("web").options().networks().keySet()));
        assertTrue(d.services().get("tool").options().networks().isEmpty());
    }

    @Test
    void defaultCanBeNamedBesideOthersAndGivenOptions() {
        DesiredState d = desired("""
                {"revision": 1, "services": {"web": {"image": "busybox", "networks": ["default", "back"]},
                  "db": {"image": "busybox"}},
                 "networks": {"back": {}, "default": {"name": "lan", "ipam": {"config": [{"subnet": "10.7.0.0/24"}]}}}}""");
        assertEquals("lan", d.networks().get("default").name());
        assertEquals("10.7.0.0/24", d.networks().get("default").ipam().config().get(0).subnet());
        assertEquals(List.of("back", "lan"), List.copyOf(d.services().get("web").options().networks().keySet()));
        assertEquals(List.of("lan"), List.copyOf(d.services().get("db").options().networks().keySet()));
    }

    @Test
    void joiningAnotherNetworkChangesTheHashEvenWithoutAliases() {
        DesiredState a = desired("""
                {"revision": 1, "services": {"web": {"image": "busybox", "networks": ["a"]}},
                 "networks": {"a": {}, "b": {}}}""");
        DesiredState b = desired("""
                {"revision": 1, "services": {"web": {"image": "busybox", "networks": ["b"]}},
                 "networks": {"a": {}, "b": {}}}""");
        assertFalse(a.services().get("web").hash().equals(b.services().get("web").hash()));
    }
}
