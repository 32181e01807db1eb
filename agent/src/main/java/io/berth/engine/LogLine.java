package io.berth.engine;

/**
 * One line of a container's output.
 *
 * @param time   the engine's RFC 3339 timestamp of the line, or null
 * @param stream {@code stdout} or {@code stderr}
 * @param line   the text, without its line break
 */
public record LogLine(String time, String stream, String line) {}
