package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Whether a device's reported state (PROTOCOL.md §4) says a revision converged, failed, or is
 * still on its way: what {@code apply --wait} and {@code publish --wait} wait for.
 *
 * @param errors the rejection's errors (each with {@code path} and {@code message}), or a missing node
 */
record Convergence(Outcome outcome, String message, JsonNode errors) {

    enum Outcome { PENDING, CONVERGED, FAILED }

    static Convergence of(JsonNode report, long revision) {
        JsonNode rejected = report.path("rejected");
        if (rejected.isObject() && rejected.path("revision").asLong() == revision) {
            return new Convergence(Outcome.FAILED, "rejected revision " + revision + ": "
                    + rejected.path("reason").asText(), rejected.path("errors"));
        }
        String phase = report.path("phase").asText();
        if (report.path("revision").path("desired").asLong() == revision) {
            if ("converged".equals(phase) && report.path("revision").path("applied").asLong() == revision) {
                return new Convergence(Outcome.CONVERGED, "revision " + revision + " converged", null);
            }
            if ("failed".equals(phase) || "rolled-back".equals(phase)) {
                JsonNode rollback = report.path("rollback");
                String why = rollback.isObject() ? ": " + rollback.path("reason").asText() : "";
                return new Convergence(Outcome.FAILED, "revision " + revision + " " + phase + why, null);
            }
        }
        return new Convergence(Outcome.PENDING, "phase " + (phase.isEmpty() ? "unknown" : phase), null);
    }

    /** The errors of a rejection as indented lines. */
    void printErrors(java.io.PrintStream err) {
        if (errors != null) {
            errors.forEach(e -> err.println("  " + e.path("path").asText() + ": " + e.path("message").asText()));
        }
    }
}
