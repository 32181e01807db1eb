package io.berth.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/**
 * How a handler answers. A plain answer is one {@link #ok} or {@link #error}; a streaming answer
 * (logs) sends any number of {@link #frame}s first. Whatever the handler does not send, the
 * server sends for it ({@code ok} with no result, or the error of an exception).
 */
interface Reply {
    /** One intermediate frame (a log line); fails when the client went away. */
    void frame(JsonNode frame) throws IOException;

    void ok(JsonNode result) throws IOException;

    void error(String message) throws IOException;

    /** An error with details for the client (e.g. every error of a rejected document, each with its path). */
    void refuse(String message, JsonNode detail) throws IOException;

    /** Blocks until the client closes its end (or the server stops): for answers that follow until Ctrl-C. */
    void awaitClientGone() throws InterruptedException;

    /** Ends the connection (after an answer); wakes {@link #awaitClientGone}. */
    void close();
}
