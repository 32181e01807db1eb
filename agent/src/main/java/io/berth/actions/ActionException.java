package io.berth.actions;

import io.berth.engine.EngineException;

/**
 * An action that could not be done; the message says what failed, why, and what to do.
 * {@link #retryable()}: the same request may succeed later (the engine restarting, the agent
 * busy); otherwise it fails until something changes. Mapped once to the control socket's
 * answer (and so the CLI's exit code) and once to the MQTT command answer.
 */
public class ActionException extends Exception {
    private final boolean retryable;

    public ActionException(String message) {
        this(message, null, false);
    }

    public ActionException(String message, Throwable cause) {
        this(message, cause, cause instanceof EngineException.Retryable);
    }

    public ActionException(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** An engine error as an action's: retryable exactly when the engine's is. */
    public static ActionException of(EngineException e) {
        return new ActionException(e.getMessage(), e, !e.terminal());
    }

    public boolean retryable() {
        return retryable;
    }
}
