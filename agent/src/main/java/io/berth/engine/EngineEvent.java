package io.berth.engine;

/** One event of a managed container from the engine's stream. */
public record EngineEvent(String containerId, String service, String action) {
}
