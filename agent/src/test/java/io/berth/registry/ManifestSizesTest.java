package io.berth.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.berth.model.RegistryAuth;
import io.berth.model.Secret;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The download size of an image from a (loopback, fake) registry's manifest, with Basic and Bearer auth. */
class ManifestSizesTest {
    private static final String MANIFEST = """
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
             "config":{"size":1000,"digest":"sha256:c"},
             "layers":[{"size":20000,"digest":"sha256:l1"},{"size":300000,"digest":"sha256:l2"}]}""";
    private static final String INDEX = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
             {"digest":"sha256:amd","size":500,"platform":{"os":"linux","architecture":"amd64"}},
             {"digest":"sha256:arm","size":500,"platform":{"os":"linux","architecture":"arm64"}}]}""";
    private static final String ARM = """
            {"schemaVersion":2,"config":{"size":7},"layers":[{"size":93}]}""";

    private HttpServer server;
    private String host;
    private String auth = "none";
    private final List<String> requests = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        host = "127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().toString();
        String given = x.getRequestHeaders().getFirst("Authorization");
        requests.add(path + " " + given);
        if (path.startsWith("/token")) {
            boolean ok = ("Basic " + b64("u:p")).equals(given) && path.contains("scope=repository%3Aapp%2Fweb%3Apull")
                    && path.contains("service=fake");
            reply(x, ok ? 200 : 401, ok ? "{\"token\":\"t0k\"}" : "{}");
            return;
        }
        boolean allowed = switch (auth) {
            case "basic" -> ("Basic " + b64("u:p")).equals(given);
            case "bearer" -> "Bearer t0k".equals(given);
            default -> true;
        };
        if (!allowed) {
            x.getResponseHeaders().add("WWW-Authenticate", auth.equals("basic") ? "Basic realm=\"fake\""
                    : "Bearer realm=\"http://" + host + "/token\",service=\"fake\",scope=\"repository:app/web:pull\"");
            reply(x, 401, "{}");
            return;
        }
        Map<String, String> bodies = Map.of("/v2/app/web/manifests/1", MANIFEST, "/v2/app/multi/manifests/1", INDEX,
                "/v2/app/multi/manifests/sha256:arm", ARM);
        String body = bodies.get(path);
        reply(x, body == null ? 404 : 200, body == null ? "{}" : body);
    }

    private static void reply(HttpExchange x, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
        x.close();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private final ManifestSizes sizes = new ManifestSizes(2000);
    private final RegistryAuth credentials = new RegistryAuth("x", "u", new Secret("p"));

    @Test
    void theSizeIsTheConfigAndTheLayers() {
        assertEquals(OptionalLong.of(321_000), sizes.size(host + "/app/web:1", null, null));
    }

    @Test
    void anIndexGivesTheSizeOfThePlatformsEntry() {
        assertEquals(OptionalLong.of(100), sizes.size(host + "/app/multi:1", null, "linux/arm64"));
        assertEquals(OptionalLong.empty(), sizes.size(host + "/app/multi:1", null, "linux/riscv64"));
    }

    @Test
    void basicAuthWithTheDocumentsCredentials() {
        auth = "basic";
        assertEquals(OptionalLong.of(321_000), sizes.size(host + "/app/web:1", credentials, null));
        assertEquals(OptionalLong.empty(), sizes.size(host + "/app/web:1", null, null), "no credentials: unknown");
    }

    @Test
    void bearerAuthThroughTheTokenService() {
        auth = "bearer";
        assertEquals(OptionalLong.of(321_000), sizes.size(host + "/app/web:1", credentials, null));
        assertTrue(requests.stream().anyMatch(r -> r.startsWith("/token")), requests.toString());
    }

    @Test
    void whatCannotBeReadIsUnknownNeverAnError() {
        assertEquals(OptionalLong.empty(), sizes.size(host + "/app/missing:1", null, null));
        assertEquals(OptionalLong.empty(), sizes.size("127.0.0.1:1/app/web:1", null, null));
    }

    @Test
    void dockerHubIsNotAskedItCountsManifestReadsAsPulls() {
        assertEquals(OptionalLong.empty(), sizes.size("busybox:1", null, null));
        assertEquals(OptionalLong.empty(), sizes.size("docker.io/library/busybox:1", null, null));
    }

    @Test
    void thisHostsPlatform() {
        assertFalse(ManifestSizes.hostPlatform().isEmpty());
        assertTrue(ManifestSizes.hostPlatform().startsWith("linux/"));
    }
}
