package io.berth.engine;

/** What the report says of the engine. */
public record EngineInfo(String version, String apiVersion, String arch) {
}
