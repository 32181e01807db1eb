package io.berth.model;

/** Berth's own service key {@code state}: whether the service's container should run. */
public enum RunState {
    RUNNING("running"),
    STOPPED("stopped");

    private final String keyword;

    RunState(String keyword) {
        this.keyword = keyword;
    }

    public String keyword() {
        return keyword;
    }

    public static RunState fromKeyword(String keyword) {
        for (RunState state : values()) {
            if (state.keyword.equals(keyword)) {
                return state;
            }
        }
        return null;
    }
}
