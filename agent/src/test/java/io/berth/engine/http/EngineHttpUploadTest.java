package io.berth.engine.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** An image archive streamed to a fake engine: chunked as it is read, the engine's answer read after. */
@Timeout(60)
class EngineHttpUploadTest {
    @TempDir
    Path dir;

    /** The request head and the body de-chunked, as the fake engine received them. */
    record Received(String head, byte[] body) {
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            s.append((char) c);
        }
        return s.toString().strip();
    }

    /** Reads a whole chunked request, then answers {@code answer}. */
    private CompletableFuture<Received> engine(Path socket, String answer) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        CompletableFuture<Received> received = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (server; SocketChannel c = server.accept()) {
                InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(c));
                StringBuilder head = new StringBuilder();
                for (String l; !(l = line(in)).isEmpty(); ) {
                    head.append(l).append('\n');
                }
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                for (int size; (size = Integer.parseInt(line(in), 16)) > 0; ) {
                    body.write(in.readNBytes(size));
                    line(in); // the CRLF after the chunk
                }
                line(in); // the empty trailer
                c.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.US_ASCII)));
                received.complete(new Received(head.toString(), body.toByteArray()));
            } catch (IOException | RuntimeException e) {
                received.completeExceptionally(e);
            }
        });
        t.setDaemon(true);
        t.start();
        return received;
    }

    @Test
    void anArchiveIsStreamedInChunksAndTheEnginesWordsAreRead() throws Exception {
        Path socket = dir.resolve("e.sock");
        String words = "{\"stream\":\"Loaded image: demo/a:1\\n\"}\r\n{\"stream\":\"Loaded image: demo/b:2\\n\"}\r\n";
        CompletableFuture<Received> received = engine(socket, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + words.length() + "\r\n\r\n" + words);
        byte[] archive = new byte[3 * 1024 * 1024 + 17]; // several buffers and a partial one
        new Random(7).nextBytes(archive);
        List<String> said = new ArrayList<>();
        EngineHttp.of(socket).upload("/images/load?quiet=1", "application/x-tar", new ByteArrayInputStream(archive),
                60_000, 60_000, o -> said.add(o.path("stream").asText().strip()));
        Received r = received.get(30, TimeUnit.SECONDS);
        assertTrue(r.head().startsWith("POST /images/load?quiet=1 HTTP/1.1\n"), r.head());
        assertTrue(r.head().contains("Transfer-Encoding: chunked\n") && r.head().contains("Content-Type: "
                + "application/x-tar\n") && !r.head().contains("Content-Length"), r.head());
        assertArrayEquals(archive, r.body());
        assertEquals(List.of("Loaded image: demo/a:1", "Loaded image: demo/b:2"), said);
    }

    /** An engine that reads the head and a little of the body, answers {@code answer} and hangs up. */
    private static void givingUp(Path socket, String answer) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread t = new Thread(() -> {
            try (server; SocketChannel c = server.accept()) {
                c.read(ByteBuffer.allocate(4096));
                c.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.US_ASCII)));
            } catch (IOException ignored) {
                // the test sees the client's side
            }
        });
        t.setDaemon(true);
        t.start();
    }

    @Test
    void anEngineThatRefusesTheArchiveMidWayIsHeard() throws Exception {
        Path socket = dir.resolve("e.sock");
        String message = "{\"message\":\"unexpected EOF\"}";
        givingUp(socket, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: "
                + message.length() + "\r\n\r\n" + message);
        byte[] archive = new byte[8 * 1024 * 1024]; // far more than the socket's buffers hold
        EngineStatusException e = assertThrows(EngineStatusException.class, () -> EngineHttp.of(socket).upload(
                "/images/load?quiet=1", "application/x-tar", new ByteArrayInputStream(archive), 60_000, 60_000, o -> { }));
        assertEquals(500, e.status());
        assertEquals("unexpected EOF", e.engineMessage());
    }

    @Test
    void anEngineThatGivesUpWithAnErrorInsideA200IsHeard() throws Exception {
        Path socket = dir.resolve("e.sock");
        // dockerd 20.10's answer to an archive it cannot read: 200, the error in the stream
        String words = "{\"errorDetail\":{\"message\":\"archive/tar: invalid tar header\"},"
                + "\"error\":\"archive/tar: invalid tar header\"}\r\n";
        givingUp(socket, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + words.length()
                + "\r\n\r\n" + words);
        byte[] archive = new byte[8 * 1024 * 1024];
        IOException e = assertThrows(IOException.class, () -> EngineHttp.of(socket).upload("/images/load?quiet=1",
                "application/x-tar", new ByteArrayInputStream(archive), 60_000, 60_000, o -> { }));
        assertEquals("the engine stopped reading the upload: archive/tar: invalid tar header", e.getMessage());
    }

    @Test
    void anArchiveThatCannotBeReadEndsTheUploadAtOnce() throws Exception {
        Path socket = dir.resolve("e.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        CompletableFuture<Boolean> hungUp = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (server; SocketChannel c = server.accept()) {
                // an engine that reads the whole upload and answers only at its end, like dockerd
                while (c.read(ByteBuffer.allocate(64 * 1024)) >= 0) {
                    // reading
                }
                hungUp.complete(true);
            } catch (IOException e) {
                hungUp.complete(true);
            }
        });
        t.setDaemon(true);
        t.start();
        InputStream failing = new InputStream() {
            private int left = 200_000;

            @Override
            public int read() throws IOException {
                if (left-- <= 0) {
                    throw new IOException("the spool file went away");
                }
                return 0;
            }
        };
        IOException e = assertThrows(IOException.class, () -> EngineHttp.of(socket).upload("/images/load?quiet=1",
                "application/x-tar", failing, 60_000, 60_000, o -> { }));
        assertEquals("the spool file went away", e.getMessage());
        assertTrue(hungUp.get(30, TimeUnit.SECONDS), "the connection was closed, so the engine drops the load");
    }
}
