package io.berth.link;

import io.berth.store.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tinylog.Logger;

/**
 * Which MQTT version to speak ({@code mqtt.version}): {@code 5} or {@code 3.1.1} as configured, or
 * under {@code auto} MQTT 5 falling back to 3.1.1 when the broker refuses it, the version that
 * worked kept in {@code file} and tried first from then on.
 */
record ProtocolChoice(String configured, Path file) {

    /** The version to try first. */
    String first() {
        if (!"auto".equals(configured)) {
            return configured;
        }
        try {
            if (file != null && Files.isReadable(file) && Wire.V311.equals(Files.readString(file).strip())) {
                return Wire.V311;
            }
        } catch (IOException e) {
            Logger.debug("MQTT: cannot read {}: {}", file, e.toString());
        }
        return Wire.V5;
    }

    /** Whether a refusal of {@code tried} may be answered by trying 3.1.1. */
    boolean fallsBackFrom(String tried) {
        return "auto".equals(configured) && Wire.V5.equals(tried);
    }

    /** Remembers the version that worked (auto only; written only when it changed). */
    void worked(String protocol) {
        if (!"auto".equals(configured) || file == null) {
            return;
        }
        try {
            AtomicFiles.write(file, (protocol + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            Logger.warn("MQTT: cannot remember the protocol in {}: {}", file, e.getMessage());
        }
    }
}
