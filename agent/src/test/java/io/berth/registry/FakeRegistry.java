package io.berth.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.berth.registry.AgentArtifact.Descriptor;
import io.berth.registry.AgentArtifact.Entry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registry in memory on 127.0.0.1 (Registry HTTP API v2, the parts agent packages use): manifests
 * (with their Docker-Content-Digest) and blobs read, checked-by-digest uploads, manifests stored;
 * Basic auth when a password is set, bearer tokens when a token service is set; blobs served
 * through a redirect to a storage server when asked; what it serves can be tampered with after it
 * was stored. It records the Authorization headers it got.
 */
final class FakeRegistry implements AutoCloseable {
    final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
    final Map<String, String> types = new ConcurrentHashMap<>();
    final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    /** A Docker-Content-Digest to send for a manifest key instead of its bytes' digest. */
    final Map<String, String> contentDigests = new ConcurrentHashMap<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final AtomicInteger uploads = new AtomicInteger();
    volatile String password;
    volatile FakeTokenService tokens;
    /** When set, a blob GET is answered with a 307 to this base URL + {@code /storage/DIGEST}. */
    volatile String blobsAt;
    private RecordingServer storage;

    FakeRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** An artifact as stored: its reference pinned by digest, and its index entries by architecture. */
    record Published(String pinned, Map<String, Entry> entries) {}

    /**
     * Stores an artifact the way push does, without needing dpkg-deb, tagged with {@code version};
     * its configs name {@code configVersion} (the version, unless a test wants them inconsistent).
     */
    Published publish(String version, String configVersion, Map<String, byte[]> debs) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (var deb : new TreeMap<>(debs).entrySet()) {
            byte[] config = AgentArtifact.config(configVersion, deb.getKey());
            blobs.put(RegistryClient.sha256(config), config);
            blobs.put(RegistryClient.sha256(deb.getValue()), deb.getValue());
            byte[] manifest = AgentArtifact.manifest(
                    new Descriptor(AgentPackages.CONFIG_TYPE, RegistryClient.sha256(config), config.length),
                    new Descriptor(AgentPackages.PACKAGE_TYPE, RegistryClient.sha256(deb.getValue()), deb.getValue().length),
                    "berth_" + version + "_" + deb.getKey() + ".deb");
            manifests.put(RegistryClient.sha256(manifest), manifest);
            entries.put(deb.getKey(), new Entry(deb.getKey(), RegistryClient.sha256(manifest), manifest.length));
        }
        byte[] index = AgentArtifact.index(version, new ArrayList<>(entries.values()));
        manifests.put(version, index);
        manifests.put(RegistryClient.sha256(index), index);
        return new Published(host() + "/berth/agent@" + RegistryClient.sha256(index), entries);
    }

    /** Starts a storage server that serves this registry's blobs, and redirects blob GETs to it. */
    RecordingServer redirectBlobsToStorage() throws IOException {
        storage = new RecordingServer(x -> {
            String path = x.getRequestURI().getPath();
            byte[] blob = blobs.get(path.substring(path.lastIndexOf('/') + 1));
            reply(x, blob == null ? 404 : 200, blob, "application/octet-stream");
        });
        blobsAt = storage.url();
        return storage;
    }

    @Override
    public void close() {
        server.stop(0);
        if (storage != null) {
            storage.close();
        }
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            String method = x.getRequestMethod();
            byte[] body = x.getRequestBody().readAllBytes();
            String given = x.getRequestHeaders().getFirst("Authorization");
            if (given != null) {
                authorizations.add(given);
            }
            if (password != null && !("Basic " + b64("u:" + password)).equals(given)) {
                x.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"fake\"");
                error(x, 401, "UNAUTHORIZED", "authentication required");
                return;
            }
            FakeTokenService t = tokens;
            boolean writes = method.equals("POST") || method.equals("PUT");
            if (t != null && !t.allows(given, writes)) {
                String repository = path.replaceFirst("^/v2/(.+?)/(manifests|blobs)/.*$", "$1");
                x.getResponseHeaders().add("WWW-Authenticate", t.challenge(repository, writes));
                error(x, 401, "UNAUTHORIZED", "authentication required");
                return;
            }
            String[] parts = path.split("/(manifests|blobs)/", 2);
            String key = parts.length == 2 ? parts[1] : "";
            if (path.contains("/blobs/uploads/")) {
                if (method.equals("POST")) {
                    x.getResponseHeaders().add("Location", path + "u" + uploads.incrementAndGet() + "?_state=s");
                    reply(x, 202, new byte[0], null);
                } else {
                    String digest = x.getRequestURI().getQuery().replaceAll(".*digest=", "").replace("%3A", ":");
                    if (!RegistryClient.sha256(body).equals(digest)) {
                        error(x, 400, "DIGEST_INVALID", "provided digest did not match uploaded content");
                        return;
                    }
                    blobs.put(digest, body);
                    reply(x, 201, new byte[0], null);
                }
            } else if (path.contains("/manifests/") && method.equals("PUT")) {
                String type = x.getRequestHeaders().getFirst("Content-Type");
                for (String k : new String[] {key, RegistryClient.sha256(body)}) {
                    manifests.put(k, body);
                    types.put(k, type);
                }
                reply(x, 201, new byte[0], null);
            } else {
                Map<String, byte[]> store = path.contains("/manifests/") ? manifests : blobs;
                byte[] found = store.get(key);
                if (found == null) {
                    error(x, 404, store == blobs ? "BLOB_UNKNOWN" : "MANIFEST_UNKNOWN",
                            store == blobs ? "blob unknown to registry" : "manifest unknown");
                } else if (store == blobs && blobsAt != null && method.equals("GET")) {
                    x.getResponseHeaders().add("Location", blobsAt + "/storage/" + key);
                    reply(x, 307, new byte[0], null);
                } else {
                    if (store == manifests) {
                        x.getResponseHeaders().add("Docker-Content-Digest",
                                contentDigests.getOrDefault(key, RegistryClient.sha256(found)));
                    }
                    reply(x, 200, method.equals("HEAD") ? null : found, types.get(key));
                }
            }
        }
    }

    private static void error(HttpExchange x, int status, String code, String message) throws IOException {
        reply(x, status, ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + message + "\",\"detail\":null}]}")
                .getBytes(StandardCharsets.UTF_8), "application/json");
    }

    private static void reply(HttpExchange x, int status, byte[] body, String type) throws IOException {
        if (type != null) {
            x.getResponseHeaders().add("Content-Type", type);
        }
        boolean none = body == null || body.length == 0 || x.getRequestMethod().equals("HEAD");
        x.sendResponseHeaders(status, none ? -1 : body.length);
        if (!none) {
            x.getResponseBody().write(body);
        }
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
