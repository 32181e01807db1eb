package io.berth.engine;

/**
 * An engine call that failed. {@code terminal} means retrying the same thing cannot help (an
 * image that does not exist, a spec the engine refuses); otherwise it is worth a retry.
 */
public class EngineException extends Exception {
    private final boolean terminal;

    public EngineException(String message, boolean terminal, Throwable cause) {
        super(message, cause);
        this.terminal = terminal;
    }

    public boolean terminal() {
        return terminal;
    }
}
