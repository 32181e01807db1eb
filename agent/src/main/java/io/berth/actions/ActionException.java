package io.berth.actions;

/** An action that could not be done; the message says what failed, why, and what to do. */
public class ActionException extends Exception {
    public ActionException(String message) {
        super(message);
    }

    public ActionException(String message, Throwable cause) {
        super(message, cause);
    }
}
