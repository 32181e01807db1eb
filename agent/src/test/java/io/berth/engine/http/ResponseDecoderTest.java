package io.berth.engine.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseDecoderTest {

    /** Collects what the decoder tells. */
    static final class Seen implements ResponseDecoder.Listener {
        HttpHead head;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        int ends;

        @Override
        public void head(HttpHead h) {
            head = h;
        }

        @Override
        public void body(byte[] data, int offset, int length) {
            body.write(data, offset, length);
        }

        @Override
        public void end() {
            ends++;
        }

        String text() {
            return body.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Feeds in pieces of {@code step} bytes: every split point must give the same result. */
    private static Seen decode(String response, int step) throws IOException {
        Seen seen = new Seen();
        ResponseDecoder decoder = new ResponseDecoder(false, seen);
        byte[] b = bytes(response);
        for (int at = 0; at < b.length; at += step) {
            decoder.feed(b, at, Math.min(step, b.length - at));
        }
        return seen;
    }

    @Test
    void chunkedBodiesAreJoinedAndTrailersSkippedAtEverySplit() throws IOException {
        String response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\nx-a: 2\r\n\r\n"
                + "5\r\nhello\r\n1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        for (int step = 1; step <= response.length(); step++) {
            Seen seen = decode(response, step);
            assertEquals(200, seen.head.status());
            assertEquals("OK", seen.head.reason());
            assertEquals(java.util.List.of("1", "2"), seen.head.headers().get("x-A"));
            assertEquals("hello world!", seen.text(), "split every " + step);
            assertEquals(1, seen.ends);
        }
    }

    @Test
    void lengthDelimitedBodiesStopAtTheLength() throws IOException {
        Seen seen = decode("HTTP/1.1 404 Not Found\r\nContent-Length: 7\r\n\r\n{\"a\":1}GARBAGE", 3);
        assertEquals(404, seen.head.status());
        assertEquals("{\"a\":1}", seen.text());
        assertEquals(1, seen.ends);
    }

    @Test
    void noBodyFor204AndHead() throws IOException {
        Seen seen = decode("HTTP/1.1 204 No Content\r\n\r\n", 100);
        assertEquals(1, seen.ends);
        Seen head = new Seen();
        ResponseDecoder decoder = new ResponseDecoder(true, head);
        byte[] b = bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
        decoder.feed(b, 0, b.length);
        assertTrue(decoder.done());
        assertEquals("", head.text());
    }

    @Test
    void aBodyWithoutLengthRunsUntilTheConnectionCloses() throws IOException {
        Seen seen = new Seen();
        ResponseDecoder decoder = new ResponseDecoder(false, seen);
        byte[] b = bytes("HTTP/1.0 200 OK\r\n\r\nraw bytes");
        decoder.feed(b, 0, b.length);
        assertFalse(decoder.done());
        decoder.eof();
        assertEquals("raw bytes", seen.text());
        assertEquals(1, seen.ends);
    }

    @Test
    void switchingProtocolsTurnsIntoARawStream() throws IOException {
        Seen seen = decode("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                + "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n$ ls\r\n", 4);
        assertEquals(101, seen.head.status());
        assertEquals("$ ls\r\n", seen.text());
        assertEquals(0, seen.ends);
    }

    @Test
    void aCutResponseIsAnError() throws IOException {
        Seen seen = new Seen();
        ResponseDecoder decoder = new ResponseDecoder(false, seen);
        byte[] b = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
        decoder.feed(b, 0, b.length);
        assertThrows(EOFException.class, decoder::eof);
        assertThrows(EOFException.class, () -> new ResponseDecoder(false, new Seen()).eof());
    }

    @Test
    void garbageIsNotHttp() {
        byte[] b = bytes("SSH-2.0-OpenSSH\r\n\r\n");
        HttpException e = assertThrows(HttpException.class,
                () -> new ResponseDecoder(false, new Seen()).feed(b, 0, b.length));
        assertTrue(e.getMessage().contains("not an HTTP response"), e.getMessage());
        byte[] badSize = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
        assertThrows(HttpException.class, () -> new ResponseDecoder(false, new Seen()).feed(badSize, 0, badSize.length));
        byte[] badEnd = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n");
        assertThrows(HttpException.class, () -> new ResponseDecoder(false, new Seen()).feed(badEnd, 0, badEnd.length));
    }

    /** Chunk sizes read from the bytes (a followed log has one chunk per line) say what Long.parseLong says. */
    @Test
    void chunkSizesInEveryFormAtEverySplit() throws IOException {
        String body = "a".repeat(26) + "b".repeat(16);
        String response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "1A\r\n" + "a".repeat(26) + "\r\n0000a \r\n" + "b".repeat(10) + "\r\n+6\n" + "b".repeat(6)
                + "\r\n000000000000000000\r\n\r\n";
        for (int step = 1; step <= response.length(); step++) {
            Seen seen = decode(response, step);
            assertEquals(body, seen.text(), "split every " + step);
            assertEquals(1, seen.ends);
        }
        for (String size : new String[] {"-1", "1 2", "g", "", "80000000000000000"}) {
            byte[] b = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + size + "\r\n");
            HttpException e = assertThrows(HttpException.class, () -> new ResponseDecoder(false, new Seen()).feed(b, 0, b.length));
            assertEquals("the engine sent a bad chunk size: '" + size.strip() + "'", e.getMessage());
        }
        Seen big = new Seen();
        byte[] b = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\nxy");
        ResponseDecoder decoder = new ResponseDecoder(false, big);
        decoder.feed(b, 0, b.length);
        assertEquals("xy", big.text()); // 15 hex digits: the largest size read without a String, still a size
        assertFalse(decoder.done());
    }
}
