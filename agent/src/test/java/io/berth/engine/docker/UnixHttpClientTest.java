package io.berth.engine.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UnixHttpClientTest {

    private static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void chunkedBodiesAreJoinedAndTrailersSkipped() throws IOException {
        InputStream in = new UnixHttpClient.Chunked(bytes("5\r\nhello\r\n1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\nX-T: 1\r\n\r\nNEXT"));
        assertEquals("hello world!", new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
        assertEquals(-1, in.read());
    }

    @Test
    void chunkedSingleBytes() throws IOException {
        InputStream in = new UnixHttpClient.Chunked(bytes("2\r\nab\r\n0\r\n\r\n"));
        assertEquals('a', in.read());
        assertEquals('b', in.read());
        assertEquals(-1, in.read());
    }

    @Test
    void lengthDelimitedBodiesStopAtTheLength() throws IOException {
        InputStream source = bytes("{\"a\":1}GARBAGE");
        assertEquals("{\"a\":1}", new String(new UnixHttpClient.Limited(source, 7).readAllBytes(),
                StandardCharsets.ISO_8859_1));
    }

    @Test
    void linesEndAtCrLf() throws IOException {
        InputStream in = bytes("HTTP/1.1 200 OK\r\nA: b\r\n\r\n");
        assertEquals("HTTP/1.1 200 OK", UnixHttpClient.readLine(in));
        assertEquals("A: b", UnixHttpClient.readLine(in));
        assertEquals("", UnixHttpClient.readLine(in));
    }
}
