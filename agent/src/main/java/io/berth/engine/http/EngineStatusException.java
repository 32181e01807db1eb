package io.berth.engine.http;

import java.io.IOException;

/**
 * The engine answered a request with a status other than 2xx: the status (what the agent's error
 * table decides by) and the engine's own message; the exception's message says both, with the
 * request.
 */
public final class EngineStatusException extends IOException {
    private final int status;
    private final String engineMessage;

    public EngineStatusException(String method, String path, int status, byte[] body) {
        super(EngineErrors.describe(method, path, status, body));
        this.status = status;
        this.engineMessage = EngineErrors.message(body);
    }

    public int status() {
        return status;
    }

    /** The engine's words ({@code No such container: …}), or the status line's when it said none. */
    public String engineMessage() {
        return engineMessage.isEmpty() ? "HTTP " + status : engineMessage;
    }
}
