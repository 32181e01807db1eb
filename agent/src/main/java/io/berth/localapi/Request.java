package io.berth.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;

/**
 * One request on the control socket: a verb and its arguments (an object, maybe empty), the
 * bytes the client sends after its request line (an archive for {@code load}), read on demand,
 * and whether the client runs as root ({@code SO_PEERCRED}; false when it cannot be told).
 */
record Request(String verb, JsonNode args, InputStream body, boolean root) {
    Request(String verb, JsonNode args) {
        this(verb, args, InputStream.nullInputStream(), false);
    }
}
