package io.berth.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.registry.AgentArtifact.Descriptor;
import io.berth.registry.AgentArtifact.Entry;
import io.berth.registry.AgentArtifact.Index;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The artifact's JSON written and read, the platform ↔ Debian architecture mapping, package names. */
class AgentArtifactTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String D1 = "sha256:" + "1".repeat(64);
    private static final String D2 = "sha256:" + "2".repeat(64);
    private static final String D3 = "sha256:" + "3".repeat(64);

    @Test
    void anIndexHasOneEntryPerArchitectureWithItsPlatformAndTheVersion() throws Exception {
        byte[] bytes = AgentArtifact.index("0.7.0", List.of(new Entry("amd64", D1, 10), new Entry("armhf", D2, 20),
                new Entry("all", D3, 30)));
        JsonNode index = JSON.readTree(bytes);
        assertEquals(AgentArtifact.INDEX_TYPE, index.path("mediaType").asText());
        assertEquals(AgentPackages.ARTIFACT_TYPE, index.path("artifactType").asText());
        assertEquals("0.7.0", index.path("annotations").path("org.opencontainers.image.version").asText());
        JsonNode arm = index.path("manifests").get(1);
        assertEquals("arm", arm.path("platform").path("architecture").asText());
        assertEquals("v7", arm.path("platform").path("variant").asText());
        assertEquals("linux", arm.path("platform").path("os").asText());
        assertEquals(AgentArtifact.MANIFEST_TYPE, arm.path("mediaType").asText());
        assertFalse(index.path("manifests").get(2).has("platform"), "'all' is no platform an engine would pick");

        Index read = AgentArtifact.readIndex(bytes, "r");
        assertEquals("0.7.0", read.version());
        assertEquals(List.of("amd64", "armhf", "all"), read.architectures());
        assertEquals(new Entry("armhf", D2, 20), read.entries().get(1));
    }

    @Test
    void anEntryWithoutTheAnnotationIsReadFromItsPlatform() throws Exception {
        assertEquals("amd64", AgentArtifact.debArch(JSON.readTree("{\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}")));
        assertEquals("arm64", AgentArtifact.debArch(JSON.readTree("{\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}}")));
        assertEquals("armhf", AgentArtifact.debArch(JSON.readTree(
                "{\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}}")));
        assertNull(AgentArtifact.debArch(JSON.readTree(
                "{\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}}")), "ARMv6 is not armhf");
        assertNull(AgentArtifact.debArch(JSON.readTree("{\"platform\":{\"os\":\"windows\",\"architecture\":\"amd64\"}}")));
        assertNull(AgentArtifact.debArch(JSON.readTree("{}")));
        assertArrayEquals(new String[] {"arm", "v7"}, AgentArtifact.platform("armhf"));
        assertNull(AgentArtifact.platform("all"));
        assertThrows(IllegalArgumentException.class, () -> AgentArtifact.platform("i386"));
    }

    @Test
    void theArchitecturesEntryElseTheAllOneElseAnErrorNamingThoseThere() throws Exception {
        Index both = new Index("1", List.of(new Entry("amd64", D1, 1), new Entry("all", D2, 2)));
        assertEquals(D1, AgentArtifact.pick(both, "amd64", "r").digest());
        assertEquals(D2, AgentArtifact.pick(both, "arm64", "r").digest());
        Index allFirst = new Index("1", List.of(new Entry("all", D2, 2), new Entry("amd64", D1, 1)));
        assertEquals(D1, AgentArtifact.pick(allFirst, "amd64", "r").digest(), "the exact architecture, wherever it is");
        assertEquals(D2, AgentArtifact.pick(allFirst, "armhf", "r").digest());
        Index two = new Index("1", List.of(new Entry("amd64", D1, 1), new Entry("arm64", D2, 2)));
        RegistryException e = assertThrows(RegistryException.class, () -> AgentArtifact.pick(two, "armhf", "h/r@x"));
        assertTrue(e.getMessage().startsWith("h/r@x has no package for armhf (it has amd64, arm64)"), e.getMessage());
    }

    @Test
    void anImageIndexIsNotAnAgentArtifact() {
        byte[] image = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
                 {"digest":"sha256:amd","size":500,"platform":{"os":"linux","architecture":"amd64"}}]}"""
                .getBytes(StandardCharsets.UTF_8);
        RegistryException e = assertThrows(RegistryException.class, () -> AgentArtifact.readIndex(image, "h/demo:1"));
        assertTrue(e.getMessage().startsWith("h/demo:1 is not an agent artifact: it should be an index of artifact type "
                + AgentPackages.ARTIFACT_TYPE + ", it is a application/vnd.oci.image.index.v1+json"), e.getMessage());
        assertTrue(e.getMessage().contains("berth fleet agent-package push"), e.getMessage());
        RegistryException notJson = assertThrows(RegistryException.class,
                () -> AgentArtifact.readIndex("<html>".getBytes(StandardCharsets.UTF_8), "h/x:1"));
        assertTrue(notJson.getMessage().startsWith("h/x:1 is not an agent artifact ("), notJson.getMessage());
    }

    @Test
    void aManifestHasTheConfigAndOnePackageLayerWithItsFileName() throws Exception {
        Descriptor config = new Descriptor(AgentPackages.CONFIG_TYPE, D1, 55);
        Descriptor layer = new Descriptor(AgentPackages.PACKAGE_TYPE, D2, 12345);
        byte[] bytes = AgentArtifact.manifest(config, layer, "berth_0.7.0_arm64.deb");
        JsonNode m = JSON.readTree(bytes);
        assertEquals(AgentArtifact.MANIFEST_TYPE, m.path("mediaType").asText());
        assertEquals(AgentPackages.ARTIFACT_TYPE, m.path("artifactType").asText());
        assertEquals("berth_0.7.0_arm64.deb",
                m.path("layers").get(0).path("annotations").path("org.opencontainers.image.title").asText());
        assertEquals(new AgentArtifact.Manifest(config, layer, "berth_0.7.0_arm64.deb"), AgentArtifact.readManifest(bytes, "m"));

        byte[] image = AgentArtifact.manifest(config, new Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", D2, 1), "x");
        RegistryException e = assertThrows(RegistryException.class, () -> AgentArtifact.readManifest(image, "m"));
        assertTrue(e.getMessage().startsWith("m is not an agent artifact: it should be a manifest of artifact type"), e.getMessage());
    }

    @Test
    void theConfigNamesTheVersionOfBerthsPackage() throws Exception {
        byte[] config = AgentArtifact.config("0.7.0~rc1", "arm64");
        assertEquals("{\"version\":\"0.7.0~rc1\",\"architecture\":\"arm64\",\"package\":\"berth\"}",
                new String(config, StandardCharsets.UTF_8));
        assertEquals("0.7.0~rc1", AgentArtifact.readConfig(config, "c"));
        RegistryException e = assertThrows(RegistryException.class, () -> AgentArtifact.readConfig(
                "{\"version\":\"1\",\"package\":\"nginx\"}".getBytes(StandardCharsets.UTF_8), "c"));
        assertTrue(e.getMessage().startsWith("c is not an agent artifact: its config should name the package berth"));
    }

    @Test
    void aPackagesNameVersionAndArchitectureFromItsFileNameOrControlFields() throws Exception {
        assertEquals(new DebPackage(Path.of("/x/berth_0.7.0-1~bpo12_arm64.deb"), "berth", "0.7.0-1~bpo12", "arm64"),
                DebPackage.fromFileName(Path.of("/x/berth_0.7.0-1~bpo12_arm64.deb")));
        RegistryException e = assertThrows(RegistryException.class, () -> DebPackage.fromFileName(Path.of("agent.deb")));
        assertTrue(e.getMessage().contains("berth_VERSION_ARCH.deb"), e.getMessage());
        assertEquals(new DebPackage(Path.of("f"), "berth", "0.7.0", "armhf"),
                DebPackage.fromControl(Path.of("f"), "Package: berth\nVersion: 0.7.0\nArchitecture: armhf\n"));
    }

    @Test
    void aReferenceNamesItsRegistryHost() throws Exception {
        assertEquals(new AgentPackages.Ref("127.0.0.1:5000", "berth/agent", "0.7.0"),
                AgentPackages.Ref.parse("127.0.0.1:5000/berth/agent:0.7.0"));
        assertEquals(new AgentPackages.Ref("r.example.com", "agent", "latest"), AgentPackages.Ref.parse("r.example.com/agent"));
        AgentPackages.Ref pinned = AgentPackages.Ref.parse("r.example.com/agent@" + D1);
        assertTrue(pinned.pinned());
        assertEquals("r.example.com/agent@" + D2, pinned.pin(D2));
        RegistryException hub = assertThrows(RegistryException.class, () -> AgentPackages.Ref.parse("berth/agent:1"));
        assertTrue(hub.getMessage().contains("names no registry host"), hub.getMessage());
        assertThrows(RegistryException.class, () -> AgentPackages.Ref.parse("r.example.com/agent@sha256:abc"));
        assertThrows(RegistryException.class, () -> AgentPackages.Ref.parse("r.example.com/agent@md5:" + "1".repeat(32)));
    }

    @Test
    void aReferenceWithATagAndADigestOrAnEmptyTagIsRefused() throws Exception {
        RegistryException both = assertThrows(RegistryException.class,
                () -> AgentPackages.Ref.parse("127.0.0.1:5000/berth/agent:0.7.0@" + D1));
        assertTrue(both.getMessage().startsWith("'127.0.0.1:5000/berth/agent:0.7.0@" + D1 + "' has a tag and a digest: "
                + "drop the tag, the digest alone names the package"), both.getMessage());
        RegistryException empty = assertThrows(RegistryException.class, () -> AgentPackages.Ref.parse("r.example.com/agent:"));
        assertTrue(empty.getMessage().contains("has an empty tag"), empty.getMessage());
        RegistryException noRepo = assertThrows(RegistryException.class, () -> AgentPackages.Ref.parse("r.example.com/:1"));
        assertTrue(noRepo.getMessage().contains("is not a reference"), noRepo.getMessage());
        assertEquals(new AgentPackages.Ref("[::1]:5000", "berth/agent", D1), AgentPackages.Ref.parse("[::1]:5000/berth/agent@" + D1));
    }

    @Test
    void onlyLoopbackAddressesAndLocalhostAreLoopback() {
        for (String host : List.of("127.0.0.1.nip.io", "127.0.0.1.nip.io:5000", "127.evil.example", "localhost.example.com",
                "localhostx:5000", "128.0.0.1", "10.0.0.1:5000", "127.0.0.256", "[::2]:5000", "[::1].example", "")) {
            assertFalse(RegistryClient.loopback(host), host);
        }
        for (String host : List.of("127.0.0.1", "127.0.0.1:5000", "127.8.9.10:80", "localhost", "localhost:5000", "LocalHost",
                "[::1]", "[::1]:5000", "[0:0:0:0:0:0:0:1]:5000")) {
            assertTrue(RegistryClient.loopback(host), host);
        }
    }

    @Test
    void theRegistrysErrorJsonReadsAsCodeAndMessage() {
        assertEquals("MANIFEST_UNKNOWN: manifest unknown", RegistryClient.errorText(
                "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\",\"detail\":{}}]}"
                        .getBytes(StandardCharsets.UTF_8)));
        assertEquals("", RegistryClient.errorText("not json".getBytes(StandardCharsets.UTF_8)));
    }
}
