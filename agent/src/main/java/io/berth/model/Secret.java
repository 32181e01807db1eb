package io.berth.model;

/** A value that must never reach a log, a report or the CLI: it prints as {@code ***}. */
public record Secret(String value) {

    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "***";
    }
}
