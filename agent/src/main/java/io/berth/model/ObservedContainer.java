package io.berth.model;

/**
 * A container as the engine shows it.
 *
 * @param service   the {@code berth.service} label, null when not managed
 * @param specHash  the {@code berth.hash} label, null when not managed
 * @param status    the engine's state: created, running, restarting, paused, exited, dead, removing
 * @param health    none, starting, healthy or unhealthy
 * @param exitCode  the last exit code, null while it never exited
 */
public record ObservedContainer(String id, String name, boolean managed, String service, String specHash,
                                long revision, String status, String health, Integer exitCode,
                                String startedAt, int restartCount, String image, String imageId,
                                boolean oomKilled) {

    public boolean isRunning() {
        return "running".equals(status) || "restarting".equals(status) || "paused".equals(status);
    }
}
