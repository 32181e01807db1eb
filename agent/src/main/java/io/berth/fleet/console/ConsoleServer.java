package io.berth.fleet.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.berth.fleet.Device;
import io.berth.fleet.rollout.Rollout;
import io.berth.model.Selector;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The console's HTTP side, on the JDK's own server: the page and its two files, a JSON API
 * ({@code /api/devices}, {@code /api/devices/ID}, {@code /api/devices/ID/logs/SERVICE},
 * {@code /api/rollouts}, {@code /api/rollouts/ID}), the live stream ({@code /api/stream},
 * server-sent events) and the rollout buttons ({@code POST /api/rollouts/ID/pause|resume|abort}).
 *
 * <p>With a token, every request must carry it ({@code Authorization: Bearer T}, or the cookie
 * the page gets from {@code /?token=T}). A POST must also carry {@code X-Berth: 1}, which a
 * form or an image on another site cannot send, so no other page can press the buttons.
 */
final class ConsoleServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A service name as a topic level: no wildcards, no slashes. */
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Map<String, String> FILES = Map.of("/", "index.html", "/console.js", "console.js",
            "/console.css", "console.css");

    private final ConsoleState state;
    private final EventHub hub;
    private final String token;
    private final HttpServer server;
    private final ExecutorService threads;
    private volatile boolean closed;

    ConsoleServer(ConsoleState state, EventHub hub, InetSocketAddress listen, String token) throws IOException {
        this.state = state;
        this.hub = hub;
        this.token = token == null || token.isEmpty() ? null : token;
        this.server = HttpServer.create(listen, 32);
        // each open page holds one thread for its stream: the hub's limit plus a few for requests
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(EventHub.MAX_CLIENTS + 4, r -> {
            Thread t = new Thread(r, "berth-console-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", this::handle);
    }

    void start() {
        server.start();
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        closed = true;
        server.stop(0);
        threads.shutdownNow();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            Map<String, String> query = query(x.getRequestURI().getRawQuery());
            x.getResponseHeaders().set("Cache-Control", "no-store");
            x.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            x.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
            String refused = refusal(x.getRequestMethod(), x.getRequestHeaders().getFirst("Host"),
                    x.getRequestHeaders().getFirst("Origin"), server.getAddress(), token != null);
            if (refused != null) {
                send(x, 403, "application/json", error(refused).getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (!authorized(x, path, query)) {
                send(x, 401, "application/json", error("this console needs its token: open it as /?token=…").getBytes(StandardCharsets.UTF_8));
                return;
            }
            String method = x.getRequestMethod();
            if (method.equals("GET") && FILES.containsKey(path)) {
                file(x, FILES.get(path));
            } else if (method.equals("GET") && path.equals("/api/stream")) {
                stream(x);
            } else if (method.equals("GET") && path.startsWith("/api/")) {
                get(x, path.substring(5), query);
            } else if (method.equals("POST") && path.startsWith("/api/rollouts/")) {
                post(x, path.substring("/api/rollouts/".length()), query);
            } else {
                send(x, 404, "application/json", error("no such page: " + path).getBytes(StandardCharsets.UTF_8));
            }
        } catch (RuntimeException e) {
            send(x, 500, "application/json", error(e.toString()).getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Why a request is refused before anything else, or null. Without a token, the Host must name
     * this console (its listen address, localhost or 127.0.0.1 with its port), so a page on
     * another site cannot reach it through a name it re-points at 127.0.0.1 (DNS rebinding). A
     * POST that carries an Origin must come from the console itself (Origin equal to Host).
     */
    static String refusal(String method, String host, String origin, InetSocketAddress listen, boolean hasToken) {
        if (!hasToken && (host == null || !ownHost(host.trim().toLowerCase(java.util.Locale.ROOT), listen))) {
            return "this console answers only to its own address (Host " + host + " is not it): open it as http://127.0.0.1:"
                    + listen.getPort() + "/, or start it with a token";
        }
        if ("POST".equals(method) && origin != null && !origin.equals("http://" + host)) {
            return "a console action must come from the console's own page (Origin " + origin + " is not http://" + host + ")";
        }
        return null;
    }

    private static boolean ownHost(String host, InetSocketAddress listen) {
        int port = listen.getPort();
        List<String> names = new ArrayList<>(List.of("localhost", "127.0.0.1", "[::1]"));
        String own = listen.getHostString().toLowerCase(java.util.Locale.ROOT);
        names.add(own.contains(":") && !own.startsWith("[") ? "[" + own + "]" : own);
        for (String name : names) {
            if (host.equals(name + ":" + port) || (port == 80 && host.equals(name))) {
                return true;
            }
        }
        return false;
    }

    private boolean authorized(HttpExchange x, String path, Map<String, String> query) {
        if (token == null) {
            return true;
        }
        String bearer = x.getRequestHeaders().getFirst("Authorization");
        if (bearer != null && bearer.startsWith("Bearer ") && same(bearer.substring(7), token)) {
            return true;
        }
        String cookies = x.getRequestHeaders().getFirst("Cookie");
        if (cookies != null) {
            for (String c : cookies.split(";")) {
                String t = c.trim();
                if (t.startsWith("berth_console=") && same(t.substring("berth_console=".length()), token)) {
                    return true;
                }
            }
        }
        if (path.equals("/") && query.containsKey("token") && same(query.get("token"), token)) {
            x.getResponseHeaders().add("Set-Cookie", "berth_console=" + token + "; Path=/; HttpOnly; SameSite=Strict");
            return true;
        }
        return false;
    }

    private static boolean same(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private void get(HttpExchange x, String path, Map<String, String> query) throws IOException {
        String[] parts = path.split("/");
        if (path.equals("devices")) {
            Selector selector;
            try {
                String s = query.getOrDefault("selector", "").trim();
                selector = s.isEmpty() ? Selector.everything() : Selector.parse(s);
            } catch (IllegalArgumentException e) {
                json(x, 400, JSON.createObjectNode().put("error", "selector: " + e.getMessage()));
                return;
            }
            ArrayNode list = JSON.createArrayNode();
            state.fleet().select(selector).forEach(d -> list.add(state.device(d)));
            json(x, 200, list);
        } else if (parts.length == 2 && parts[0].equals("devices")) {
            Optional<Device> d = state.fleet().device(parts[1]);
            if (d.isEmpty()) {
                json(x, 404, JSON.createObjectNode().put("error", "no device " + parts[1] + " on this broker"));
            } else {
                json(x, 200, state.deviceDetail(d.get()));
            }
        } else if (parts.length == 4 && parts[0].equals("devices") && parts[2].equals("logs")) {
            if (state.fleet().device(parts[1]).isEmpty() || !NAME.matcher(parts[3]).matches()) {
                json(x, 404, JSON.createObjectNode().put("error", "no device " + parts[1] + " with a service "
                        + parts[3] + " on this broker"));
            } else {
                json(x, 200, state.logTail(parts[1], parts[3]));
            }
        } else if (path.equals("rollouts")) {
            ArrayNode list = JSON.createArrayNode();
            new TreeMap<>(state.rollouts().all()).values().forEach(r -> list.add(state.rollout(r)));
            json(x, 200, list);
        } else if (parts.length == 2 && parts[0].equals("rollouts")) {
            Optional<Rollout> r = state.rollouts().get(parts[1]);
            if (r.isEmpty()) {
                json(x, 404, JSON.createObjectNode().put("error", "no rollout " + parts[1]));
            } else {
                json(x, 200, state.rollout(r.get()));
            }
        } else {
            json(x, 404, JSON.createObjectNode().put("error", "no such resource: /api/" + path));
        }
    }

    /** {@code ID/pause}, {@code ID/resume}, {@code ID/abort} (with {@code ?revert=true}). */
    private void post(HttpExchange x, String path, Map<String, String> query) throws IOException {
        if (!"1".equals(x.getRequestHeaders().getFirst("X-Berth"))) {
            json(x, 403, JSON.createObjectNode().put("error", "a console action needs the header X-Berth: 1"));
            return;
        }
        String[] parts = path.split("/");
        if (parts.length != 2 || !List.of("pause", "resume", "abort").contains(parts[1])) {
            json(x, 404, JSON.createObjectNode().put("error", "no such action: " + path));
            return;
        }
        Optional<Rollout> r = state.rollouts().get(parts[0]);
        if (r.isEmpty()) {
            json(x, 404, JSON.createObjectNode().put("error", "no rollout " + parts[0]));
            return;
        }
        boolean revert = "true".equals(query.get("revert"));
        state.rollouts().ask(parts[0], parts[1], revert, state.clock().instant());
        json(x, 202, JSON.createObjectNode().put("asked", parts[1] + (revert ? " --revert" : ""))
                .put("rollout", parts[0]).put("status", r.get().status()));
    }

    private void stream(HttpExchange x) throws IOException {
        if (hub.full()) {
            json(x, 503, JSON.createObjectNode().put("error", "too many open console pages; close one"));
            return;
        }
        x.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        x.sendResponseHeaders(200, 0);
        List<String> initial = new ArrayList<>();
        state.fleet().devices().values().forEach(d -> initial.add(EventHub.frame("device", state.device(d).toString())));
        state.rollouts().all().values().forEach(r -> initial.add(EventHub.frame("rollout", state.rollout(r).toString())));
        initial.add(EventHub.frame("ready", "{}"));
        try (OutputStream out = x.getResponseBody()) {
            hub.stream(out, name -> true, initial, () -> closed);
        } catch (IOException e) {
            // the page went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void file(HttpExchange x, String name) throws IOException {
        try (InputStream in = ConsoleServer.class.getResourceAsStream(name)) {
            if (in == null) {
                send(x, 500, "text/plain", ("the console's " + name + " is missing from the jar").getBytes(StandardCharsets.UTF_8));
                return;
            }
            String type = name.endsWith(".html") ? "text/html" : name.endsWith(".js") ? "text/javascript" : "text/css";
            send(x, 200, type + "; charset=utf-8", in.readAllBytes());
        }
    }

    private static void json(HttpExchange x, int status, Object body) throws IOException {
        send(x, status, "application/json", JSON.writeValueAsBytes(body));
    }

    private static String error(String message) {
        return JSON.createObjectNode().put("error", message).toString();
    }

    private static void send(HttpExchange x, int status, String type, byte[] body) throws IOException {
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new TreeMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }
}
