package io.berth.model;

/** A container's healthcheck state; {@link #NONE} where it has no healthcheck. */
public enum Health {
    NONE("none"),
    STARTING("starting"),
    HEALTHY("healthy"),
    UNHEALTHY("unhealthy");

    private final String keyword;

    Health(String keyword) {
        this.keyword = keyword;
    }

    public String keyword() {
        return keyword;
    }

    /** The engine's word for it; null, empty or unknown is {@link #NONE}. */
    public static Health of(String keyword) {
        for (Health health : values()) {
            if (health.keyword.equals(keyword)) {
                return health;
            }
        }
        return NONE;
    }
}
