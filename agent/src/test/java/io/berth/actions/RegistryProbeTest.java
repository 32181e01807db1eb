package io.berth.actions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import io.berth.model.RegistryAuth;
import io.berth.model.Secret;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 15: doctor's registry probe never sends credentials in the clear, nor before they are asked for. */
class RegistryProbeTest {
    private static final RegistryAuth AUTH = new RegistryAuth("r", "user", new Secret("s3cret"));
    private ServerSocket server;
    /** The Authorization header of every HTTP request the plain registry got ("-" for none). */
    private final List<String> seen = new CopyOnWriteArrayList<>();

    /** A registry that speaks plain HTTP only: a TLS hello gets an HTTP answer (so the client's TLS fails). */
    @BeforeEach
    void plainHttpRegistry() throws Exception {
        server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(5000);
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    int first = in.read();
                    if (first == 0x16) { // a TLS handshake
                        out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        continue;
                    }
                    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
                    String auth = "-";
                    for (String line = reader.readLine(); line != null && !line.isEmpty(); line = reader.readLine()) {
                        if (line.toLowerCase().startsWith("authorization:")) {
                            auth = line.substring(14).strip();
                        }
                    }
                    seen.add(auth);
                    String status = auth.equals("-")
                            ? "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"r\"\r\n"
                            : "HTTP/1.1 200 OK\r\n";
                    out.write((status + "Content-Length: 0\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // next client
                }
            }
        }, "test-registry");
        t.setDaemon(true);
        t.start();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private String host() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    @Test
    void aTlsFailureIsNotRetriedOverPlainHttpWithCredentials() {
        RegistryProbe.Result result = RegistryProbe.check(host(), AUTH, false); // as for a registry off the device
        assertEquals("fail", result.level(), result.message());
        assertTrue(result.message().contains("never sent over plain HTTP"), result.message());
        assertEquals(List.of(), seen, "the registry got no request in the clear");
    }

    @Test
    void credentialsGoOnlyWhenAskedFor() {
        RegistryProbe.Result result = RegistryProbe.check(host(), AUTH, true);
        assertEquals("ok", result.level(), result.message());
        assertEquals(2, seen.size(), seen::toString);
        assertEquals("-", seen.get(0), "the first request carries no credentials");
        assertTrue(seen.get(1).startsWith("Basic "));
    }

    @Test
    void withoutCredentialsATlsFailureMayStillBeProbedOverHttp() {
        RegistryProbe.Result result = RegistryProbe.check(host(), null, false);
        assertEquals("warn", result.level(), result.message());
        assertEquals(List.of("-"), seen);
    }
}
