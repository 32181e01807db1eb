package io.berth.actions;

import io.berth.spec.SpecError;
import java.util.List;

/**
 * What became of a desired document handed to the agent (by MQTT or by {@code berth apply}).
 *
 * @param outcome  {@code accepted}, {@code unchanged} (same revision, same content) or {@code rejected}
 * @param revision the document's revision, or null when none could be read
 * @param reason   why it was rejected; null otherwise
 * @param errors   every error found, each with its JSON path
 */
public record ApplyResult(String outcome, Long revision, String reason, List<SpecError> errors) {
    public ApplyResult {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    public static ApplyResult accepted(long revision) {
        return new ApplyResult("accepted", revision, null, List.of());
    }

    public static ApplyResult unchanged(long revision) {
        return new ApplyResult("unchanged", revision, null, List.of());
    }

    public static ApplyResult rejected(Long revision, String reason, List<SpecError> errors) {
        return new ApplyResult("rejected", revision, reason, errors);
    }

    public boolean ok() {
        return !"rejected".equals(outcome);
    }
}
