package io.berth.engine.docker;

import io.berth.engine.http.EngineHttp;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/** A fake engine on a unix socket for unit tests: canned JSON answers by request path, one connection each. */
final class FakeEngine {
    private FakeEngine() {}

    /**
     * Serves {@code answers} (request path, query included, to its JSON) on {@code socket} until the
     * test ends; a path it does not know is a 404 with the engine's kind of message.
     */
    static EngineHttp serve(Path socket, Map<String, String> answers) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread t = new Thread(() -> {
            while (true) {
                try (SocketChannel c = server.accept()) {
                    ByteBuffer head = ByteBuffer.allocate(8192);
                    while (!new String(head.array(), 0, head.position(), StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                        if (c.read(head) < 0) {
                            break;
                        }
                    }
                    String path = new String(head.array(), 0, head.position(), StandardCharsets.ISO_8859_1).split(" ")[1];
                    String body = answers.get(path);
                    String status = body == null ? "404 Not Found" : "200 OK";
                    if (body == null) {
                        body = "{\"message\":\"No such object: " + path + "\"}";
                    }
                    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                    c.write(ByteBuffer.wrap(("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)));
                    c.write(ByteBuffer.wrap(bytes));
                } catch (IOException e) {
                    return;
                }
            }
        }, "fake-engine");
        t.setDaemon(true);
        t.start();
        return EngineHttp.of(socket);
    }
}
