package io.berth.engine;

import java.time.Instant;

/**
 * Follows the output of many containers with a bounded number of threads (one, in the Docker
 * adapter), however many containers there are.
 */
public interface LogStreams extends AutoCloseable {

    /** Where the lines go. Called on the reader thread: return quickly. */
    interface Sink {
        /** One complete line (without its newline); {@code stream} is stdout or stderr. */
        void line(String containerId, String service, Instant time, String stream, String line);

        /** The stream ended: the container stopped, or the engine went away. */
        void ended(String containerId, String reason);

        /** The engine cannot give this container's logs (e.g. its log driver is {@code none}). */
        void refused(String containerId, String reason);
    }

    /**
     * Starts following a container's stdout and stderr from {@code since} (exclusive of nothing:
     * the engine returns lines at or after it). Does nothing if it is already followed.
     */
    void follow(String containerId, String service, Instant since);

    /** Stops following a container. */
    void unfollow(String containerId);

    /** How many containers are followed now. */
    int following();

    @Override
    void close();
}
