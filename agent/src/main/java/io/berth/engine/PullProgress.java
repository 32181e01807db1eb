package io.berth.engine;

/**
 * How far a running pull is: bytes downloaded so far and the bytes of every layer known so far,
 * summed over the image's layers (layers already on the device count for neither).
 * {@code totalBytes} grows while the engine learns of more layers; {@code bytes <= totalBytes}.
 */
public record PullProgress(long bytes, long totalBytes) {
}
