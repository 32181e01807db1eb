package io.berth.engine;

/**
 * An engine call that failed, typed by what happens next: {@link Retryable} is worth another
 * try (with backoff: the engine restarting, a container being replaced, a registry away);
 * {@link Terminal} cannot succeed by retrying the same thing (an image that does not exist, a
 * spec the engine refuses) and waits for a new revision. The engine adapter decides which, in
 * one table, from the HTTP status and the exception type; the message says what failed, why
 * and what to do.
 */
public abstract sealed class EngineException extends Exception
        permits EngineException.Retryable, EngineException.Terminal {

    private EngineException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether retrying the same thing cannot help. */
    public abstract boolean terminal();

    public static EngineException retryable(String message, Throwable cause) {
        return new Retryable(message, cause);
    }

    public static EngineException terminal(String message, Throwable cause) {
        return new Terminal(message, cause);
    }

    /** Worth another try, after a backoff. */
    public static final class Retryable extends EngineException {
        Retryable(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public boolean terminal() {
            return false;
        }
    }

    /** Retrying cannot help: reported, and the service waits for a new revision. */
    public static final class Terminal extends EngineException {
        Terminal(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public boolean terminal() {
            return true;
        }
    }
}
