package io.berth.registry;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registry's token service (Docker's token authentication) on its own port: Basic credentials
 * and a scope in, a bearer token for that scope out. Each token is good for {@code usesPerToken}
 * registry requests, then expired, as a real token expires after minutes.
 */
final class FakeTokenService implements AutoCloseable {
    static final String SERVICE = "fake-registry";
    final RecordingServer server;
    private final String user;
    private final String password;
    private final Map<String, String> scopeOf = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> usesLeft = new ConcurrentHashMap<>();
    private final AtomicInteger issued = new AtomicInteger();
    volatile int usesPerToken = Integer.MAX_VALUE;
    /** The realm the registry's challenge names; the service's own URL unless set. */
    volatile String realm;

    FakeTokenService(String user, String password) throws IOException {
        this.user = user;
        this.password = password;
        this.server = new RecordingServer(this::handle);
    }

    /** The registry's answer to a request without a valid token, asking for {@code repository}'s pull or pull,push. */
    String challenge(String repository, boolean push) {
        return "Bearer realm=\"" + (realm != null ? realm : server.url() + "/token") + "\",service=\"" + SERVICE
                + "\",scope=\"repository:" + repository + ":" + (push ? "pull,push" : "pull") + "\"";
    }

    /** Whether a registry request with this Authorization may go on (counting a use of its token). */
    boolean allows(String authorization, boolean push) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return false;
        }
        String token = authorization.substring("Bearer ".length());
        String scope = scopeOf.get(token);
        AtomicInteger left = usesLeft.get(token);
        return scope != null && (!push || scope.endsWith("push")) && left.getAndDecrement() > 0;
    }

    /** The scopes asked for, in order. */
    List<String> scopes() {
        return server.requests.stream().map(r -> query(r.uri(), "scope")).toList();
    }

    /** The number of tokens given out. */
    int issued() {
        return issued.get();
    }

    private void handle(HttpExchange x) throws IOException {
        String uri = x.getRequestURI().toString();
        String basic = "Basic " + FakeRegistry.b64(user + ":" + password);
        if (!basic.equals(x.getRequestHeaders().getFirst("Authorization")) || !SERVICE.equals(query(uri, "service"))) {
            x.sendResponseHeaders(401, -1);
            return;
        }
        String token = "token-" + issued.incrementAndGet();
        scopeOf.put(token, query(uri, "scope"));
        usesLeft.put(token, new AtomicInteger(usesPerToken));
        byte[] body = ("{\"token\":\"" + token + "\",\"expires_in\":60}").getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(200, body.length);
        x.getResponseBody().write(body);
    }

    private static String query(String uri, String name) {
        int q = uri.indexOf('?');
        for (String pair : (q < 0 ? "" : uri.substring(q + 1)).split("&")) {
            if (pair.startsWith(name + "=")) {
                return URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    @Override
    public void close() {
        server.close();
    }
}
