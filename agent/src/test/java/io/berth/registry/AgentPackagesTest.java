package io.berth.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.berth.model.RegistryAuth;
import io.berth.model.Secret;
import io.berth.registry.AgentArtifact.Descriptor;
import io.berth.registry.AgentArtifact.Entry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Push, resolve and fetch against an in-memory registry; fetch refuses every tampered or oversized answer and keeps nothing. */
class AgentPackagesTest {
    private static final byte[] AMD = "the amd64 package".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ARM = "the arm64 package, a little longer".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;
    private FakeRegistry registry;
    private final AgentPackages packages = new AgentPackages(new RegistryClient(5000));
    private String pinned;
    private Map<String, Entry> entries;

    @BeforeEach
    void start() throws IOException {
        registry = new FakeRegistry();
        pinned = publish("1.2.3", Map.of("amd64", AMD, "arm64", ARM));
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private String publish(String version, Map<String, byte[]> debs) {
        FakeRegistry.Published p = registry.publish(version, version, debs);
        entries = p.entries();
        return p.pinned();
    }

    private List<Path> leftInDir() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    @Test
    void fetchGivesTheArchitecturesPackageCheckedAndWrittenToTheTarget() throws Exception {
        Path target = dir.resolve("berth.deb");
        AgentPackages.Fetched fetched = packages.fetch(pinned, "arm64", null, target, 1000);
        assertArrayEquals(ARM, Files.readAllBytes(target));
        assertEquals(new AgentPackages.Fetched(target, RegistryClient.sha256(ARM).substring(7), ARM.length, "1.2.3"), fetched);
        assertEquals(List.of(target), leftInDir(), "no temporary file left");
    }

    @Test
    void resolvePinsATagAndSaysWhatItHolds() throws Exception {
        AgentPackages.Pinned p = packages.resolve(registry.host() + "/berth/agent:1.2.3", null);
        assertEquals(new AgentPackages.Pinned(pinned, "1.2.3", List.of("amd64", "arm64")), p);
        assertEquals(p, packages.resolve(pinned, null));
    }

    @Test
    void anAllPackageIsTheFallbackAndAMissingArchitectureIsNamed() throws Exception {
        RegistryException e = assertThrows(RegistryException.class,
                () -> packages.fetch(pinned, "armhf", null, dir.resolve("b.deb"), 1000));
        assertTrue(e.getMessage().contains("has no package for armhf (it has amd64, arm64)"), e.getMessage());
        String withAll = publish("2.0", Map.of("amd64", AMD, "all", ARM));
        assertEquals(List.of("all", "amd64"), List.copyOf(entries.keySet()), "'all' comes first in the index");
        assertArrayEquals(ARM, Files.readAllBytes(packages.fetch(withAll, "armhf", null, dir.resolve("b.deb"), 1000).file()));
        assertArrayEquals(AMD, Files.readAllBytes(packages.fetch(withAll, "amd64", null, dir.resolve("b.deb"), 1000).file()),
                "the architecture's own package wins over the 'all' one");
    }

    @Test
    void aTamperedIndexFails() {
        String digest = pinned.substring(pinned.indexOf('@') + 1);
        byte[] index = registry.manifests.get(digest);
        registry.manifests.put(digest, Arrays.copyOf(index, index.length + 1)); // a trailing NUL
        assertMismatch(digest, RegistryClient.sha256(registry.manifests.get(digest)), "amd64");
    }

    @Test
    void aTamperedManifestFails() {
        String digest = entries.get("amd64").digest();
        byte[] tampered = new String(registry.manifests.get(digest), StandardCharsets.UTF_8)
                .replace("berth_1.2.3_amd64.deb", "berth_1.2.3_amd64.dec").getBytes(StandardCharsets.UTF_8);
        registry.manifests.put(digest, tampered);
        assertMismatch(digest, RegistryClient.sha256(tampered), "amd64");
    }

    @Test
    void aTamperedPackageFails() {
        String digest = RegistryClient.sha256(AMD);
        byte[] tampered = AMD.clone();
        tampered[0] ^= 1; // same size, other bytes
        registry.blobs.put(digest, tampered);
        assertMismatch(digest, RegistryClient.sha256(tampered), "amd64");
    }

    @Test
    void aTamperedConfigFails() {
        byte[] amdConfig = AgentArtifact.config("1.2.3", "amd64");
        byte[] armConfig = AgentArtifact.config("1.2.3", "arm64"); // a valid config of the same version: only its digest tells
        registry.blobs.put(RegistryClient.sha256(amdConfig), armConfig);
        assertMismatch(RegistryClient.sha256(amdConfig), RegistryClient.sha256(armConfig), "amd64");
    }

    @Test
    void aConfigNamingAnotherVersionThanTheIndexFails() {
        String inconsistent = registry.publish("2.0", "2.1", Map.of("amd64", AMD)).pinned();
        RegistryException e = assertThrows(RegistryException.class,
                () -> packages.fetch(inconsistent, "amd64", null, dir.resolve("berth.deb"), 1000));
        assertTrue(e.getMessage().contains(inconsistent + " is inconsistent: its index names version 2.0 and its amd64 "
                + "package 2.1"), e.getMessage());
        assertNothingLeft();
    }

    @Test
    void resolveChecksTheIndexAgainstTheDigestTheRegistryGives() {
        String index = pinned.substring(pinned.indexOf('@') + 1);
        String other = "sha256:" + "0".repeat(64);
        registry.contentDigests.put("1.2.3", other);
        String tag = registry.host() + "/berth/agent:1.2.3";
        RegistryException e = assertThrows(RegistryException.class, () -> packages.resolve(tag, null));
        assertTrue(e.getMessage().contains(tag + " (its Docker-Content-Digest): digest mismatch: expected " + other
                + ", got " + index), e.getMessage());
    }

    private void assertMismatch(String expected, String served, String arch) {
        RegistryException e = assertThrows(RegistryException.class,
                () -> packages.fetch(pinned, arch, null, dir.resolve("berth.deb"), 1000));
        assertTrue(e.getMessage().contains("digest mismatch: expected " + expected + ", got " + served), e.getMessage());
        assertTrue(e.getMessage().contains("nothing was kept"), e.getMessage());
        assertNothingLeft();
    }

    private void assertNothingLeft() {
        try {
            assertEquals(List.of(), leftInDir(), "no file left behind");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aPackageLargerThanAllowedIsNotDownloaded() throws Exception {
        RegistryException e = assertThrows(RegistryException.class,
                () -> packages.fetch(pinned, "arm64", null, dir.resolve("berth.deb"), ARM.length - 1));
        assertTrue(e.getMessage().contains("the arm64 package of " + pinned + " is " + ARM.length + " bytes, more than the "
                + (ARM.length - 1) + " allowed"), e.getMessage());
        assertNothingLeft();
    }

    @Test
    void aServedPackageLargerThanAllowedIsCutOffAndNothingKept() {
        byte[] huge = new byte[300_000];
        registry.blobs.put(RegistryClient.sha256(AMD), huge);
        RegistryException e = assertThrows(RegistryException.class,
                () -> packages.fetch(pinned, "amd64", null, dir.resolve("berth.deb"), 100_000));
        assertTrue(e.getMessage().contains("is too big: "), e.getMessage());
        assertTrue(e.getMessage().contains("at most 100000 are allowed"), e.getMessage());
        assertNothingLeft();
    }

    @Test
    void fetchWantsADigestAndSaysWhatTheRegistryAnswered() {
        RegistryException tag = assertThrows(RegistryException.class,
                () -> packages.fetch(registry.host() + "/berth/agent:1.2.3", "amd64", null, dir.resolve("b.deb"), 1000));
        assertTrue(tag.getMessage().contains("is not pinned by digest"), tag.getMessage());
        String unknown = registry.host() + "/berth/other@sha256:" + "0".repeat(64);
        RegistryException missing = assertThrows(RegistryException.class,
                () -> packages.fetch(unknown, "amd64", null, dir.resolve("b.deb"), 1000));
        assertTrue(missing.getMessage().contains("HTTP 404 MANIFEST_UNKNOWN: manifest unknown; check the reference"),
                missing.getMessage());
        RegistryException down = assertThrows(RegistryException.class,
                () -> packages.resolve("127.0.0.1:1/berth/agent:1", null));
        assertTrue(down.getMessage().contains("check that the registry is reachable"), down.getMessage());
        assertNothingLeft();
    }

    @Test
    void credentialsAreSentWhenAskedAndNeverShown() throws Exception {
        registry.password = "s3cret-pw";
        RegistryException none = assertThrows(RegistryException.class,
                () -> packages.fetch(pinned, "amd64", null, dir.resolve("b.deb"), 1000));
        assertTrue(none.getMessage().contains("wants credentials and none were given"), none.getMessage());
        RegistryException wrong = assertThrows(RegistryException.class, () -> packages.fetch(pinned, "amd64",
                new RegistryAuth(registry.host(), "u", new Secret("wrong-pw")), dir.resolve("b.deb"), 1000));
        assertTrue(wrong.getMessage().contains("HTTP 401 UNAUTHORIZED: authentication required; check the credentials"),
                wrong.getMessage());
        assertFalse(wrong.getMessage().contains("wrong-pw"));
        assertNothingLeft();
        packages.fetch(pinned, "amd64", new RegistryAuth(registry.host(), "u", new Secret("s3cret-pw")), dir.resolve("b.deb"), 1000);
        assertArrayEquals(AMD, Files.readAllBytes(dir.resolve("b.deb")));
    }

    @Test
    void pushStoresWhatFetchReadsAndSkipsBlobsTheRegistryHas() throws Exception {
        assumeTrue(TestDebs.available(), "dpkg-deb is not installed");
        Path amd = TestDebs.build(dir, "3.0.1", "amd64");
        Path arm = TestDebs.build(dir, "3.0.1", "arm64");
        registry.password = "pw";
        RegistryAuth auth = new RegistryAuth(registry.host(), "u", new Secret("pw"));
        AgentPackages.Pinned p = packages.push(registry.host() + "/berth/agent:3.0.1", List.of(amd, arm), auth);
        assertEquals(List.of("amd64", "arm64"), p.architectures());
        assertEquals("3.0.1", p.version());
        assertEquals(p, packages.resolve(registry.host() + "/berth/agent:3.0.1", auth));
        Path target = dir.resolve("out/berth.deb");
        AgentPackages.Fetched f = packages.fetch(p.ref(), "arm64", auth, target, 1 << 20);
        assertArrayEquals(Files.readAllBytes(arm), Files.readAllBytes(target));
        assertEquals(HexFormat.of().formatHex(RegistryClient.digester().digest(Files.readAllBytes(arm))), f.sha256());

        int blobs = registry.blobs.size();
        assertEquals(p, packages.push(registry.host() + "/berth/agent:3.0.1", List.of(amd, arm), auth), "same bytes, same digest");
        assertEquals(blobs, registry.blobs.size());
    }

    @Test
    void pushWantsOneVersionOneBerthPackagePerArchitecture() throws Exception {
        assumeTrue(TestDebs.available(), "dpkg-deb is not installed");
        Path a = TestDebs.build(Files.createDirectories(dir.resolve("a")), "1.0", "amd64");
        Path b = TestDebs.build(Files.createDirectories(dir.resolve("b")), "1.1", "arm64");
        Path c = TestDebs.build(Files.createDirectories(dir.resolve("c")), "1.0", "amd64");
        String ref = registry.host() + "/berth/agent:1";
        RegistryException versions = assertThrows(RegistryException.class, () -> packages.push(ref, List.of(a, b), null));
        assertTrue(versions.getMessage().contains("is version 1.1 and " + a + " 1.0; one artifact holds one version"),
                versions.getMessage());
        RegistryException twice = assertThrows(RegistryException.class, () -> packages.push(ref, List.of(a, c), null));
        assertTrue(twice.getMessage().contains("are both for amd64"), twice.getMessage());
        Path junk = Files.writeString(dir.resolve("berth_1.0_amd64.deb"), "not a package");
        RegistryException notDeb = assertThrows(RegistryException.class, () -> packages.push(ref, List.of(junk), null));
        assertTrue(notDeb.getMessage().contains("is not a Debian package"), notDeb.getMessage());
        assertTrue(registry.manifests.keySet().stream().noneMatch("1"::equals), "nothing tagged");
    }
}
