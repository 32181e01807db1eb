package io.berth.registry;

/**
 * A registry request that failed: the message says which reference or host, why (the HTTP status
 * and the registry's own error message, a digest mismatch, a size), and what to do. It never holds
 * credentials.
 */
public final class RegistryException extends Exception {
    private static final long serialVersionUID = 1L;

    public RegistryException(String message) {
        super(message);
    }

    public RegistryException(String message, Throwable cause) {
        super(message, cause);
    }
}
