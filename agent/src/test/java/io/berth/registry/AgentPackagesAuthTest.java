package io.berth.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.berth.model.RegistryAuth;
import io.berth.model.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which host gets which credentials: Basic, bearer tokens from a token service (pull, pull,push, renewed when expired), blob redirects. */
class AgentPackagesAuthTest {
    private static final byte[] AMD = "the amd64 package".getBytes(StandardCharsets.UTF_8);
    private static final String BASIC = "Basic " + FakeRegistry.b64("u:pw");

    @TempDir
    Path dir;
    private FakeRegistry registry;
    private FakeTokenService tokens;
    private final AgentPackages packages = new AgentPackages(new RegistryClient(5000));
    private RegistryAuth auth;
    private String pinned;

    @BeforeEach
    void start() throws IOException {
        registry = new FakeRegistry();
        tokens = new FakeTokenService("u", "pw");
        auth = new RegistryAuth(registry.host(), "u", new Secret("pw"));
        pinned = registry.publish("1.2.3", "1.2.3", Map.of("amd64", AMD)).pinned();
    }

    @AfterEach
    void stop() {
        registry.close();
        tokens.close();
    }

    private byte[] fetch() throws Exception {
        return Files.readAllBytes(packages.fetch(pinned, "amd64", auth, dir.resolve("berth.deb"), 1000).file());
    }

    @Test
    void aBlobRedirectedToStorageGetsNoCredentials() throws Exception {
        registry.password = "pw";
        RecordingServer storage = registry.redirectBlobsToStorage();
        assertArrayEquals(AMD, fetch());
        assertEquals(Arrays.asList(null, null), storage.authorizations(), "the config and the package, without credentials");
        assertFalse(registry.authorizations.isEmpty());
        assertTrue(registry.authorizations.stream().allMatch(BASIC::equals), registry.authorizations.toString());
    }

    @Test
    void aPlainHttpRedirectToAnotherHostThanLoopbackIsRefused() {
        registry.blobsAt = "http://storage.invalid";
        RegistryException e = assertThrows(RegistryException.class, this::fetch);
        assertTrue(e.getMessage().contains("the registry redirects to http://storage.invalid, which is not HTTPS"),
                e.getMessage());
    }

    @Test
    void aPullAsksTheTokenServiceForPullAndSendsEachHostOnlyItsOwnCredentials() throws Exception {
        registry.tokens = tokens;
        RecordingServer storage = registry.redirectBlobsToStorage();
        assertArrayEquals(AMD, fetch());
        assertEquals(List.of("repository:berth/agent:pull"), tokens.scopes());
        assertEquals(List.of(BASIC), tokens.server.authorizations(), "the password goes to the token service");
        assertFalse(registry.authorizations.isEmpty());
        assertTrue(registry.authorizations.stream().allMatch("Bearer token-1"::equals), registry.authorizations.toString());
        assertEquals(Arrays.asList(null, null), storage.authorizations(), "the storage gets neither password nor token");
    }

    @Test
    void anExpiredTokenIsRenewedOnceAndATokenRefusedAgainFails() throws Exception {
        registry.tokens = tokens;
        tokens.usesPerToken = 2; // the index and the manifest with the first, the config and the package with the second
        assertArrayEquals(AMD, fetch());
        assertEquals(2, tokens.issued());
        assertEquals(List.of("Bearer token-1", "Bearer token-1", "Bearer token-1", "Bearer token-2", "Bearer token-2"),
                registry.authorizations);

        tokens.usesPerToken = 0; // every token is refused: one more token, then the registry's answer
        RegistryException e = assertThrows(RegistryException.class, this::fetch);
        assertTrue(e.getMessage().contains("HTTP 401 UNAUTHORIZED"), e.getMessage());
        assertEquals(3, tokens.issued());
    }

    @Test
    void aPushAsksTheTokenServiceForPullAndPush() throws Exception {
        assumeTrue(TestDebs.available(), "dpkg-deb is not installed");
        Path deb = TestDebs.build(dir, "3.0.1", "amd64");
        registry.tokens = tokens;
        AgentPackages.Pinned p = packages.push(registry.host() + "/berth/agent:3.0.1", List.of(deb), auth);
        assertEquals(List.of("repository:berth/agent:pull,push"), tokens.scopes());
        assertEquals("3.0.1", packages.resolve(p.ref(), auth).version());
        assertEquals(List.of("repository:berth/agent:pull,push", "repository:berth/agent:pull"), tokens.scopes());
    }

    @Test
    void aTokenServiceNamedLikeLoopbackButNotLoopbackIsNotAskedOverPlainHttp() {
        registry.tokens = tokens;
        tokens.realm = "http://127.0.0.1.invalid" + tokens.server.url().substring("http://127.0.0.1".length()) + "/token";
        RegistryException e = assertThrows(RegistryException.class, this::fetch);
        assertTrue(e.getMessage().contains("names no usable token service (an HTTPS realm, or HTTP on loopback)"), e.getMessage());
        assertEquals(List.of(), tokens.server.requests);
    }

    @Test
    void aTokenServicesRedirectIsNotFollowed() throws Exception {
        try (RecordingServer elsewhere = new RecordingServer(x -> x.sendResponseHeaders(404, -1));
                RecordingServer bouncer = new RecordingServer(x -> {
                    x.getResponseHeaders().add("Location", elsewhere.url() + "/token?" + x.getRequestURI().getRawQuery());
                    x.sendResponseHeaders(307, -1);
                })) {
            registry.tokens = tokens;
            tokens.realm = bouncer.url() + "/token";
            RegistryException e = assertThrows(RegistryException.class, this::fetch);
            assertTrue(e.getMessage().contains("a token for repository:berth/agent:pull from 127.0.0.1: HTTP 307"), e.getMessage());
            assertEquals(List.of(BASIC), bouncer.authorizations(), "the realm the registry named gets the password");
            assertEquals(List.of(), elsewhere.requests, "where it redirects gets nothing");
        }
    }
}
