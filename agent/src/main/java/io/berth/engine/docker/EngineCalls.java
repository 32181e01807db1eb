package io.berth.engine.docker;

import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import io.berth.engine.EngineException;
import io.berth.engine.http.EngineErrors;
import io.berth.engine.http.EngineStatusException;
import java.io.IOException;

/**
 * Engine calls (through docker-java, or Berth's own {@link io.berth.engine.http.EngineHttp}) and
 * what their failures mean: one table of terminal and retryable failures, and messages that say
 * what failed, why and what to do.
 */
final class EngineCalls {
    private final String host;

    /** @param host the engine's address, named when it cannot be reached */
    EngineCalls(String host) {
        this.host = host;
    }

    interface EngineCall<T> {
        T run() throws EngineException, IOException;
    }

    /** What kind of call failed, for {@link #terminal}: the same status means different things. */
    enum Op {
        /** a pull: a 404 is an image or tag that does not exist */
        PULL,
        /** creating a container or volume: a 400 is a spec the engine refuses */
        CREATE,
        /** creating a network: as CREATE, but a 403 (a pool overlapping another network's) clears */
        CREATE_NETWORK,
        /** anything else: a 404 is something replaced meanwhile */
        OTHER
    }

    /**
     * The one table of what an engine failure means, by exception type and HTTP status; the
     * message is shown, never matched.
     *
     * <pre>
     * failure                                  PULL        CREATE      CREATE_NETWORK  OTHER
     * 400 Bad Request                          terminal    terminal    terminal        retryable
     * 401 Unauthorized                         terminal    terminal    terminal        terminal
     * 403 Forbidden                            terminal    terminal    retryable       terminal
     * 404 Not Found                            terminal    retryable   retryable       retryable
     * 409 Conflict, 5xx, other statuses        retryable   retryable   retryable       retryable
     * an error inside a stream (no status)     retryable   retryable   retryable       retryable
     * no answer at all (transport)             retryable   retryable   retryable       retryable
     * </pre>
     *
     * dockerd 20.10 answers a network create whose subnet overlaps another network's with 403
     * ("Pool overlaps with other one on this address space") and one with no free default pool
     * left ("could not find an available, non-overlapping IPv4 address pool") with 500: both
     * clear when another network is removed, so both are retried with backoff.
     *
     * A registry that refuses credentials answers a pull with 500 (dockerd 20.10), like a
     * registry that is away: both are retried with backoff, never given up on.
     */
    static boolean terminal(Op op, Exception e) {
        return terminal(op, status(e));
    }

    static boolean terminal(Op op, int status) {
        return switch (status) {
            case 401 -> true;
            case 403 -> op != Op.CREATE_NETWORK;
            case 400 -> op != Op.OTHER;
            case 404 -> op == Op.PULL;
            default -> false;
        };
    }

    <T> T call(String what, EngineCall<T> body) throws EngineException {
        return call(what, Op.OTHER, body);
    }

    /** Runs one engine call and turns docker-java's exceptions into typed errors a user can act on. */
    <T> T call(String what, Op op, EngineCall<T> body) throws EngineException {
        try {
            return body.run();
        } catch (DockerException | DockerClientException e) {
            boolean terminal = terminal(op, e);
            String message = what + " failed: " + clean(e) + advice(op, e, terminal);
            throw terminal ? EngineException.terminal(message, e) : EngineException.retryable(message, e);
        } catch (StreamError e) {
            String message = what + " failed: " + e.getMessage() + advice(op, e, false);
            throw EngineException.retryable(message, e);
        } catch (EngineStatusException e) {
            boolean terminal = terminal(op, e);
            String message = what + " failed: " + e.engineMessage() + advice(op, e, terminal);
            throw terminal ? EngineException.terminal(message, e) : EngineException.retryable(message, e);
        } catch (IOException | RuntimeException e) {
            // transport failures: the engine is down or restarting
            throw EngineException.retryable(what + " failed: cannot reach the engine at " + host + " ("
                    + rootMessage(e) + "); is dockerd running? Berth retries on its own", e);
        }
    }

    /** What to do about a failure, by the same table. */
    private static String advice(Op op, Exception e, boolean terminal) {
        int status = status(e);
        if (op == Op.PULL && terminal) {
            return "; check the image name and the registry credentials, then publish a new revision";
        }
        if (op == Op.PULL && status >= 500) {
            return "; the registry is away or refused the credentials ('registries' in the document): retried with "
                    + "backoff";
        }
        return terminal ? "; the engine refuses it: fix the document and publish a new revision" : "";
    }

    /**
     * An error the engine reported inside an answer that began well (a pull that failed part-way):
     * it has no status, so it is retried, like any error inside a stream.
     */
    static final class StreamError extends IOException {
        StreamError(String message) {
            super(message);
        }
    }

    /** The HTTP status of a failure the engine answered; 0 for one without (a stream error, no answer). */
    private static int status(Exception e) {
        if (e instanceof DockerException d) {
            return d.getHttpStatus();
        }
        return e instanceof EngineStatusException s ? s.status() : 0;
    }

    static String clean(RuntimeException e) {
        // docker-java prefixes "Status 404: " and wraps the engine's JSON {"message":"…"}
        return e.getMessage() == null ? e.getClass().getSimpleName() : EngineErrors.fromText(e.getMessage());
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
