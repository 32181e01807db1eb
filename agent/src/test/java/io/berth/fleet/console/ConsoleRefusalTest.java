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
}
