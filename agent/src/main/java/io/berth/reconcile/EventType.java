package io.berth.reconcile;

/** The {@code type} of an event on {@code {p}/{d}/events} (PROTOCOL.md §5): one word each. */
public enum EventType {
    ACCEPTED("accepted"),
    REJECTED("rejected"),
    PULL_PROGRESS("pull-progress"),
    PULLED("pulled"),
    CREATED("created"),
    STARTED("started"),
    STOPPED("stopped"),
    REMOVED("removed"),
    HEALTH("health"),
    DIED("died"),
    ROLLBACK("rollback"),
    CONVERGED("converged"),
    FAILED("failed"),
    /** The agent update started, installed, or failed and was reverted; with {@code version}. */
    AGENT_UPDATE("agent-update");

    private final String wire;

    EventType(String wire) {
        this.wire = wire;
    }

    /** The word on the wire. */
    public String wire() {
        return wire;
    }
}
