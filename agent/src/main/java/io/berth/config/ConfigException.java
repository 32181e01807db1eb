package io.berth.config;

/** The agent's configuration cannot be used; the message says which key or file and what to do. */
public class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
