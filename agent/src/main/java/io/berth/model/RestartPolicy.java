package io.berth.model;

/**
 * A Compose restart policy: {@code no}, {@code always}, {@code on-failure[:N]} or
 * {@code unless-stopped}. {@code maxRetries} is 0 unless the policy is on-failure with a count.
 */
public record RestartPolicy(Kind kind, int maxRetries) {

    public enum Kind {
        NO("no"),
        ALWAYS("always"),
        ON_FAILURE("on-failure"),
        UNLESS_STOPPED("unless-stopped");

        private final String keyword;

        Kind(String keyword) {
            this.keyword = keyword;
        }

        public String keyword() {
            return keyword;
        }
    }

    public static final RestartPolicy NO = new RestartPolicy(Kind.NO, 0);

    /** Parses a Compose restart value; returns null when it is not one. */
    public static RestartPolicy parse(String value) {
        if (value == null) {
            return null;
        }
        for (Kind kind : Kind.values()) {
            if (kind.keyword.equals(value)) {
                return new RestartPolicy(kind, 0);
            }
        }
        if (value.startsWith("on-failure:")) {
            try {
                int count = Integer.parseInt(value.substring("on-failure:".length()));
                return count >= 0 ? new RestartPolicy(Kind.ON_FAILURE, count) : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /** Whether the engine itself restarts a container that stopped, so Berth should start one found exited. */
    public boolean keepsRunning() {
        return kind == Kind.ALWAYS || kind == Kind.UNLESS_STOPPED;
    }

    @Override
    public String toString() {
        return kind == Kind.ON_FAILURE && maxRetries > 0 ? kind.keyword + ":" + maxRetries : kind.keyword;
    }
}
