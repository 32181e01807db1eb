package io.berth.model;

import java.time.Duration;

/**
 * How a new revision replaces the running one (the document's top-level {@code update}).
 *
 * @param strategy      {@link #DOWNLOAD_THEN_KILL} (pull every new image while the old containers
 *                      run, then replace them) or {@link #KILL_THEN_DOWNLOAD} (stop the old
 *                      container first, for devices short of disk)
 * @param rollback      keep each replaced container (stopped and renamed) until its replacement is
 *                      good; a replacement that is not good within its health timeout brings the
 *                      whole revision back to the last good one
 * @param healthTimeout how long a replaced service has to become good; null: the default, which
 *                      is {@link #DEFAULT_HEALTH_TIMEOUT} or longer where the service's own
 *                      healthcheck needs longer to pass
 */
public record UpdatePolicy(String strategy, boolean rollback, Duration healthTimeout) {

    public static final String DOWNLOAD_THEN_KILL = "download-then-kill";
    public static final String KILL_THEN_DOWNLOAD = "kill-then-download";
    public static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofSeconds(60);
    public static final UpdatePolicy DEFAULT = new UpdatePolicy(DOWNLOAD_THEN_KILL, true, null);

    public UpdatePolicy {
        if (!DOWNLOAD_THEN_KILL.equals(strategy) && !KILL_THEN_DOWNLOAD.equals(strategy)) {
            throw new IllegalArgumentException("unknown update strategy " + strategy);
        }
    }

    public boolean killFirst() {
        return KILL_THEN_DOWNLOAD.equals(strategy);
    }

    /**
     * The time a replaced service has to become good: the document's {@code healthTimeout}, else
     * the default, stretched where the service's healthcheck cannot pass sooner (start period
     * plus every retry at its interval, as the engine runs them).
     */
    public Duration healthTimeoutFor(ServiceSpec spec) {
        if (healthTimeout != null) {
            return healthTimeout;
        }
        ServiceOptions.Healthcheck check = spec.options().healthcheck();
        if (check == null) {
            return DEFAULT_HEALTH_TIMEOUT;
        }
        long interval = check.intervalNanos() == null ? Duration.ofSeconds(30).toNanos() : check.intervalNanos();
        long timeout = check.timeoutNanos() == null ? Duration.ofSeconds(30).toNanos() : check.timeoutNanos();
        long start = check.startPeriodNanos() == null ? 0 : check.startPeriodNanos();
        int retries = check.retries() == null ? 3 : check.retries();
        Duration needed = Duration.ofNanos(start + (interval + timeout) * (long) (retries + 1));
        return needed.compareTo(DEFAULT_HEALTH_TIMEOUT) > 0 ? needed : DEFAULT_HEALTH_TIMEOUT;
    }
}
