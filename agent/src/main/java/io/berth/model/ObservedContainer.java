package io.berth.model;

import java.util.Map;

/**
 * A container as the engine shows it.
 *
 * @param service   the {@code berth.service} label, null when not managed
 * @param specHash  the {@code berth.hash} label, null when not managed
 * @param exitCode  the last exit code, null while it never exited
 * @param volumes   its volume mounts: destination to volume name (named and anonymous)
 */
public record ObservedContainer(String id, String name, boolean managed, String service, String specHash,
                                long revision, ContainerStatus status, Health health, Integer exitCode,
                                String startedAt, int restartCount, String image, String imageId,
                                boolean oomKilled, Map<String, String> volumes) {

    /** Suffix of the name a replaced container keeps while its replacement is on trial. */
    public static final String KEPT_SUFFIX = "-berth-previous";

    public ObservedContainer {
        volumes = volumes == null ? Map.of() : Map.copyOf(volumes);
    }

    public ObservedContainer(String id, String name, boolean managed, String service, String specHash,
                             long revision, ContainerStatus status, Health health, Integer exitCode,
                             String startedAt, int restartCount, String image, String imageId, boolean oomKilled) {
        this(id, name, managed, service, specHash, revision, status, health, exitCode, startedAt, restartCount,
                image, imageId, oomKilled, Map.of());
    }

    public boolean isRunning() {
        return status.up();
    }

    /** Whether this container was replaced and is kept (stopped, renamed) as the way back. */
    public boolean kept() {
        return name.endsWith(KEPT_SUFFIX);
    }

    public static String keptName(String containerName) {
        return containerName + KEPT_SUFFIX;
    }

    /** Running, with a healthcheck that has not passed yet. */
    public boolean healthPending() {
        return status == ContainerStatus.RUNNING && health == Health.STARTING;
    }

    /** The state in a few words: {@code exited, exit code 1}, {@code running, unhealthy}. */
    public String describe() {
        String state = status.keyword() + (health == Health.NONE ? "" : ", " + health.keyword());
        return exitCode != null && status != ContainerStatus.RUNNING ? state + ", exit code " + exitCode : state;
    }
}
