package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** {@code berth apply --dry-run} as a readable diff. */
final class DryRunView {
    private static final Map<String, String> MARKS = Map.of("create", "+", "replace", "~", "remove", "-",
            "keep", "=", "start", ">", "stop", "<", "orphan", "!", "missing", "?");

    private DryRunView() {}

    static String render(JsonNode plan, String file) {
        StringBuilder out = new StringBuilder();
        if (plan.has("rejected")) {
            out.append(file).append(" would be rejected: ").append(plan.path("rejected").asText()).append('\n');
            plan.path("errors").forEach(e -> out.append("  ").append(e.path("path").asText()).append(": ")
                    .append(e.path("message").asText()).append('\n'));
            return out.toString();
        }
        out.append("Dry run: ").append(file).append(" as revision ").append(plan.path("revision").asLong())
                .append(" (accepted now: ").append(plan.path("acceptedRevision").asLong())
                .append("); nothing was changed.\n\n");
        int width = 4;
        for (JsonNode c : plan.path("changes")) {
            width = Math.max(width, c.path("name").asText().length());
        }
        for (JsonNode c : plan.path("changes")) {
            String action = c.path("action").asText();
            out.append(String.format("  %s %-8s %-8s %-" + width + "s  %s%n", MARKS.getOrDefault(action, " "), action,
                    c.path("kind").asText(), c.path("name").asText(), c.path("why").asText()));
        }
        JsonNode steps = plan.path("firstSteps");
        out.append('\n').append(steps.isEmpty() ? "The planner has nothing to run now.\n"
                : "First steps the planner would run now:\n");
        steps.forEach(s -> out.append("  ").append(s.asText()).append('\n'));
        if (plan.path("blocked").size() > 0) {
            out.append("Blocked:\n");
            plan.path("blocked").fields().forEachRemaining(e -> out.append("  ").append(e.getKey()).append(": ")
                    .append(e.getValue().asText()).append('\n'));
        }
        return out.toString();
    }
}
