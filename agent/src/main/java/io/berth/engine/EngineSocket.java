package io.berth.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/**
 * Plain Engine API requests on the engine's socket, for the {@code berth} CLI (doctor, support
 * bundles, bundle create, exec): no docker-java, so they start fast and work when the agent does
 * not. Every failure is an {@link IOException} whose message says what was asked and what the
 * engine answered.
 */
public interface EngineSocket {

    /** The engine address, e.g. {@code unix:///var/run/docker.sock}. */
    String host();

    /** GET a JSON resource, e.g. {@code /version}. */
    JsonNode get(String path) throws IOException;

    /** POST a JSON body (or none); the JSON answer, or null when the engine sent no body. */
    JsonNode post(String path, JsonNode body) throws IOException;

    /** The last {@code tail} lines of a container's log, stdout and stderr merged, with timestamps. */
    String logTail(String containerId, int tail) throws IOException;

    /** Streams a GET's body into a file (replacing it); {@code progress} gets the bytes written so far. */
    long download(String path, Path target, LongConsumer progress) throws IOException;

    /**
     * POSTs a request that upgrades the connection to a raw stream both ways (an exec's start with
     * {@code Detach: false}): what the process prints arrives on {@link Upgraded#output()}.
     */
    Upgraded upgrade(String path, JsonNode body) throws IOException;

    /** An upgraded connection: the process's output in, its stdin out. */
    interface Upgraded extends AutoCloseable {
        /** Raw bytes (framed when the exec has no TTY); ends when the process does. */
        InputStream output();

        void write(byte[] data, int offset, int length) throws IOException;

        /** No more input (half-close), as Ctrl-D at the end of a pipe. */
        void closeInput() throws IOException;

        @Override
        void close();
    }
}
