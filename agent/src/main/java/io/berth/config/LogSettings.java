package io.berth.config;

/**
 * Log forwarding limits (PROTOCOL.md §6), from the device profile and config.
 *
 * @param batchLines      most lines in one published batch
 * @param batchBytes      most bytes of line text in one batch
 * @param lineBytes       longer lines are cut and marked
 * @param bufferBytes     heap for lines kept while the broker is away (text + 96 bytes a line);
 *                        beyond it the oldest are dropped and counted
 * @param linesPerSecond  device-wide rate limit; lines over it are dropped and counted
 * @param bytesPerSecond  device-wide rate limit in bytes
 * @param qos             MQTT QoS of log batches
 */
public record LogSettings(int batchLines, int batchBytes, int lineBytes, long bufferBytes, int linesPerSecond,
                          long bytesPerSecond, int qos) {
}
