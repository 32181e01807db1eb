package io.berth.engine.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.engine.EngineSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a fake engine on a unix socket that answers canned bytes. */
class EngineHttpTest {
    @TempDir
    Path dir;

    /** Serves one connection: reads the request head, records it, answers {@code response}, then echoes input. */
    private AtomicReference<String> serve(Path socket, byte[] response, boolean echo) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        return serve(server, response, echo);
    }

    private AtomicReference<String> serve(ServerSocketChannel server, byte[] response, boolean echo) {
        AtomicReference<String> request = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try (server; SocketChannel c = server.accept()) {
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                ByteBuffer one = ByteBuffer.allocate(1);
                while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n") && c.read(one) > 0) {
                    head.write(one.get(0));
                    one.clear();
                }
                String text = head.toString(StandardCharsets.ISO_8859_1);
                java.util.regex.Matcher length = java.util.regex.Pattern.compile("Content-Length: (\\d+)").matcher(text);
                ByteBuffer body = ByteBuffer.allocate(length.find() ? Integer.parseInt(length.group(1)) : 0);
                while (body.hasRemaining() && c.read(body) > 0) {
                    // the request's body
                }
                request.set(text + new String(body.array(), StandardCharsets.ISO_8859_1));
                c.write(ByteBuffer.wrap(response));
                if (echo) {
                    ByteBuffer buf = ByteBuffer.allocate(256);
                    while (c.read(buf) > 0) {
                        buf.flip();
                        c.write(buf);
                        buf.clear();
                    }
                }
            } catch (IOException ignored) {
                // the test sees what it needs
            }
        });
        t.setDaemon(true);
        t.start();
        return request;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void getsChunkedJson() throws IOException {
        Path socket = dir.resolve("e.sock");
        var request = serve(socket, bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "7\r\n{\"Versi\r\n9\r\non\":\"20\"}\r\n0\r\n\r\n"), false);
        EngineSocket engine = EngineHttp.of(socket);
        assertEquals("20", engine.get("/version").path("Version").asText());
        assertTrue(request.get().startsWith("GET /version HTTP/1.1\r\n"), request.get());
        assertTrue(request.get().contains("Connection: close\r\n"), request.get());
    }

    @Test
    void anErrorSaysWhatWasAskedAndTheEnginesMessage() throws IOException {
        Path socket = dir.resolve("e.sock");
        serve(socket, bytes("HTTP/1.1 404 Not Found\r\nContent-Length: 35\r\n\r\n{\"message\":\"No such container: x\"}\n"),
                false);
        IOException e = assertThrows(IOException.class, () -> EngineHttp.of(socket).post("/containers/x/stop", null));
        assertEquals("the engine answered 404 to POST /containers/x/stop: No such container: x", e.getMessage());
        EngineStatusException status = (EngineStatusException) e;
        assertEquals(404, status.status());
        assertEquals("No such container: x", status.engineMessage());
    }

    @Test
    void aMissingSocketSaysSo() {
        IOException e = assertThrows(IOException.class, () -> EngineHttp.of(dir.resolve("none.sock")).get("/_ping"));
        assertTrue(e.getMessage().startsWith("cannot reach the engine at unix://"), e.getMessage());
        IOException ssh = assertThrows(IOException.class, () -> new EngineHttp("ssh://pi@board").get("/_ping"));
        assertEquals("cannot use the engine at ssh://pi@board: give unix:///path/to/docker.sock or tcp://host:port "
                + "(an engine listening without TLS)", ssh.getMessage());
    }

    @Test
    void anEngineOnTcpIsAskedTheSameWay() throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        var request = serve(server, bytes("HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"Version\":\"1\"}"), false);
        assertEquals("1", new EngineHttp("tcp://127.0.0.1:" + port).get("/version").path("Version").asText());
        assertTrue(request.get().startsWith("GET /version HTTP/1.1\r\n"), request.get());
    }

    @Test
    void logTailsAreDemultiplexed() throws IOException {
        Path socket = dir.resolve("e.sock");
        ByteArrayOutputStream framed = new ByteArrayOutputStream();
        FrameDemuxTest.frame(framed, 1, "2026-11-23T10:00:00Z out\n");
        FrameDemuxTest.frame(framed, 2, "2026-11-23T10:00:01Z err\n");
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        response.writeBytes(bytes("HTTP/1.1 200 OK\r\nContent-Length: " + framed.size() + "\r\n\r\n"));
        response.writeBytes(framed.toByteArray());
        var request = serve(socket, response.toByteArray(), false);
        assertEquals("2026-11-23T10:00:00Z out\n2026-11-23T10:00:01Z err\n", EngineHttp.of(socket).logTail("abc", 5));
        assertTrue(request.get().startsWith("GET /containers/abc/logs?stdout=1&stderr=1&timestamps=1&tail=5 "));
    }

    @Test
    void downloadsCountTheirBytes() throws IOException {
        Path socket = dir.resolve("e.sock");
        serve(socket, bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), false);
        Path target = dir.resolve("out");
        java.util.List<Long> progress = new java.util.ArrayList<>();
        assertEquals(5, EngineHttp.of(socket).download("/images/get", target, progress::add));
        assertEquals("abcde", Files.readString(target));
        assertEquals(5L, progress.get(progress.size() - 1));
    }

    @Test
    void anUpgradedConnectionCarriesBothWays() throws Exception {
        Path socket = dir.resolve("e.sock");
        var request = serve(socket, bytes("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nhi "),
                true);
        try (EngineSocket.Upgraded session = EngineHttp.of(socket).upgrade("/exec/1/start",
                new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("Tty", true))) {
            session.write(bytes("there"), 0, 5);
            session.closeInput();
            assertEquals("hi there", new String(session.output().readAllBytes(), StandardCharsets.ISO_8859_1));
        }
        assertTrue(request.get().contains("Upgrade: tcp\r\n") && !request.get().contains("Connection: close")
                && request.get().endsWith("\r\n\r\n{\"Tty\":true}"), request.get());
    }
}
