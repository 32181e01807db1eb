package io.berth.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registry in memory on 127.0.0.1 (Registry HTTP API v2, the parts agent packages use): manifests
 * and blobs read, checked-by-digest uploads, manifests stored; Basic auth when a password is set;
 * what it serves can be tampered with after it was stored.
 */
final class FakeRegistry implements AutoCloseable {
    final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
    final Map<String, String> types = new ConcurrentHashMap<>();
    final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private final HttpServer server;
    private final AtomicInteger uploads = new AtomicInteger();
    volatile String password;

    FakeRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            String method = x.getRequestMethod();
            byte[] body = x.getRequestBody().readAllBytes();
            String given = x.getRequestHeaders().getFirst("Authorization");
            if (password != null && !("Basic " + b64("u:" + password)).equals(given)) {
                x.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"fake\"");
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
                } else {
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
