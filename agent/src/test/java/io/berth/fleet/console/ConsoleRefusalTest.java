package io.berth.fleet.console;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The console's Host and Origin checks against DNS rebinding and cross-site buttons. */
class ConsoleRefusalTest {
    static final InetSocketAddress LISTEN = new InetSocketAddress("127.0.0.1", 8090);

    @Test
    void withoutATokenOnlyItsOwnHostIsAnswered() {
        assertNull(ConsoleServer.refusal("GET", "127.0.0.1:8090", null, LISTEN, false));
        assertNull(ConsoleServer.refusal("GET", "localhost:8090", null, LISTEN, false));
        assertNull(ConsoleServer.refusal("GET", "[::1]:8090", null, LISTEN, false));
        assertNotNull(ConsoleServer.refusal("GET", "evil.example:8090", null, LISTEN, false));
        assertNotNull(ConsoleServer.refusal("GET", "127.0.0.1:8091", null, LISTEN, false));
        assertNotNull(ConsoleServer.refusal("GET", "127.0.0.1", null, LISTEN, false));
        assertNotNull(ConsoleServer.refusal("GET", null, null, LISTEN, false));
    }

    @Test
    void withATokenTheTokenGuardsAnyHost() {
        assertNull(ConsoleServer.refusal("GET", "console.lan:8090", null, LISTEN, true));
    }

    @Test
    void aPostFromAnotherOriginIsRefused() {
        assertNotNull(ConsoleServer.refusal("POST", "127.0.0.1:8090", "http://evil.example", LISTEN, false));
        assertNotNull(ConsoleServer.refusal("POST", "console.lan:8090", "http://evil.example", LISTEN, true));
        assertNull(ConsoleServer.refusal("POST", "127.0.0.1:8090", "http://127.0.0.1:8090", LISTEN, false));
        assertNull(ConsoleServer.refusal("POST", "127.0.0.1:8090", null, LISTEN, false));
    }

    @Test
    void aListenAddressOfItsOwnIsItsHost() {
        InetSocketAddress lan = new InetSocketAddress("127.0.0.2", 9000);
        assertNull(ConsoleServer.refusal("GET", "127.0.0.2:9000", null, lan, false));
        assertNull(ConsoleServer.refusal("GET", "localhost:9000", null, lan, false));
    }

    /** Over a real socket (the JDK's HttpClient cannot set Host): a rebinding page's Host gets 403. */
    @Test
    void theServerOnARealPortRefusesAForeignHost() throws Exception {
        try (ConsoleServer server = new ConsoleServer(null, new EventHub(), new InetSocketAddress("127.0.0.1", 0), null)) {
            server.start();
            int port = server.address().getPort();
            org.junit.jupiter.api.Assertions.assertEquals("HTTP/1.1 403 Forbidden",
                    statusLine(port, "GET /console.css HTTP/1.1\r\nHost: rebound.example:" + port + "\r\n"));
            org.junit.jupiter.api.Assertions.assertEquals("HTTP/1.1 200 OK",
                    statusLine(port, "GET /console.css HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"));
            org.junit.jupiter.api.Assertions.assertEquals("HTTP/1.1 403 Forbidden", statusLine(port,
                    "POST /api/rollouts/r/pause HTTP/1.1\r\nHost: 127.0.0.1:" + port
                            + "\r\nOrigin: http://evil.example\r\nX-Berth: 1\r\nContent-Length: 0\r\n"));
        }
    }

    private static String statusLine(int port, String head) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write((head + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
        }
    }
}
