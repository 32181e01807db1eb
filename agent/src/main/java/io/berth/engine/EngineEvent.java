package io.berth.engine;

import io.berth.model.Health;

/**
 * One event of a managed container from the engine's stream.
 *
 * @param action   the engine's word ({@code start}, {@code die}, {@code health_status: healthy} …)
 * @param kind     what it means to the agent
 * @param revision the container's {@code berth.revision} label (0: none)
 * @param exitCode for {@link Kind#DIED}: how it exited (null: the engine did not say)
 * @param oom      for {@link Kind#DIED}: the kernel killed it for memory
 * @param health   for {@link Kind#HEALTH}: its health now
 */
public record EngineEvent(String containerId, String service, String action, Kind kind, long revision,
                          Integer exitCode, boolean oom, Health health) {

    public enum Kind { DIED, HEALTH, OTHER }

    public EngineEvent(String containerId, String service, String action) {
        this(containerId, service, action, Kind.OTHER, 0, null, false, null);
    }
}
