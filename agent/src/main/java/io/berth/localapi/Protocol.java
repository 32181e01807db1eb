package io.berth.localapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;

/**
 * The wire format of the control socket: newline-delimited JSON. The client sends one line
 * {@code {"verb":…,"args":{…}}}; the server answers with zero or more frames and ends with one
 * line holding {@code "ok"}: {@code {"ok":true,"result":…}} or {@code {"ok":false,"error":…}}.
 */
final class Protocol {
    static final ObjectMapper JSON = new ObjectMapper();
    /** A desired document can be large; anything above this is not a request. */
    static final int MAX_REQUEST_BYTES = 1024 * 1024;
    /**
     * Request bytes all clients together may have the agent read, parse and serve at once: eight
     * workers with a full request each, their buffers and JSON trees, would be more than a small
     * board's whole heap. A client over it is told to try again.
     */
    static final long READING_BUDGET_BYTES = 2L * MAX_REQUEST_BYTES;
    /** A client must send its request, and take each answer line, within this time. */
    static final Duration IO_TIMEOUT = Duration.ofSeconds(10);

    private Protocol() {}
}
