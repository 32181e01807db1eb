package io.berth.model;

/** A container's state as the engine reports it ({@code State.Status}). */
public enum ContainerStatus {
    CREATED("created"),
    RUNNING("running"),
    RESTARTING("restarting"),
    PAUSED("paused"),
    EXITED("exited"),
    DEAD("dead"),
    REMOVING("removing");

    private final String keyword;

    ContainerStatus(String keyword) {
        this.keyword = keyword;
    }

    public String keyword() {
        return keyword;
    }

    /** The engine's word for it; an unknown word counts as {@link #DEAD} (not running, not startable). */
    public static ContainerStatus of(String keyword) {
        for (ContainerStatus status : values()) {
            if (status.keyword.equals(keyword)) {
                return status;
            }
        }
        return DEAD;
    }

    /** Up in the engine's sense: running, restarting or paused. */
    public boolean up() {
        return this == RUNNING || this == RESTARTING || this == PAUSED;
    }
}
