package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** {@code berth status} as a table that fits 80 columns. */
final class StatusView {
    private static final int WIDTH = 80;

    private StatusView() {}

    static String render(JsonNode status, Instant now, Terminal term) {
        JsonNode report = status.path("report");
        StringBuilder out = new StringBuilder();
        JsonNode revision = report.path("revision");
        String desired = text(revision.path("desired"));
        String applied = text(revision.path("applied"));
        String source = report.path("source").isTextual() ? report.path("source").asText() : null;
        out.append("Device:    ").append(report.path("device").asText("?")).append('\n');
        out.append("Phase:     ").append(term.state(report.path("phase").asText("?")));
        if (status.path("paused").asBoolean()) {
            out.append("  (reconciliation paused: 'berth resume' resumes it)");
        }
        out.append('\n');
        out.append("Revision:  desired ").append(desired).append(", applied ").append(applied);
        if (source != null) {
            out.append(" (from ").append(source).append(')');
        }
        out.append('\n');
        out.append("MQTT:      ").append(status.path("connected").asBoolean() ? term.green("connected")
                : term.yellow("not connected")).append(" (").append(status.path("mqtt").asText("")).append(")\n");
        JsonNode engine = report.path("engine");
        out.append("Engine:    ");
        if (engine.has("error")) {
            out.append(term.red("unreachable")).append(" (").append(engine.path("error").asText()).append(")\n");
        } else {
            out.append(engine.path("version").asText("?")).append(" (API ").append(engine.path("apiVersion")
                    .asText("?")).append(")\n");
        }
        JsonNode rejected = report.path("rejected");
        if (rejected.isObject()) {
            out.append(term.red("Rejected:")).append("  revision ").append(text(rejected.path("revision")))
                    .append(": ").append(rejected.path("reason").asText()).append('\n');
        }
        JsonNode rollback = report.path("rollback");
        if (rollback.isObject()) {
            out.append(term.red("Rolled back:")).append(" revision ").append(text(rollback.path("revision")))
                    .append(": ").append(rollback.path("reason").asText()).append('\n');
        }
        JsonNode update = report.path("agent").path("update");
        if (update.isObject()) {
            boolean failed = "failed".equals(update.path("state").asText());
            out.append(failed ? term.red("Agent update:") : "Agent update:").append(" to ")
                    .append(update.path("version").asText("?")).append(" (revision ").append(text(update.path("revision")))
                    .append("): ").append(update.path("state").asText("?"));
            if (update.path("error").isTextual()) {
                out.append(": ").append(update.path("error").asText());
            }
            out.append('\n');
        }
        out.append('\n');

        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SERVICE", "STATE", "HEALTH", "IMAGE", "RESTARTS", "UPTIME"});
        List<String> errors = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> services = report.path("services").fields();
        while (services.hasNext()) {
            Map.Entry<String, JsonNode> e = services.next();
            JsonNode s = e.getValue();
            String state = s.path("state").asText("?");
            rows.add(new String[] {e.getKey(), state, s.path("health").asText("none"), s.path("image").asText(""),
                    String.valueOf(s.path("restarts").asInt()),
                    "running".equals(state) ? uptime(s.path("startedAt").asText(null), now) : "-"});
            if (s.path("error").isTextual()) {
                errors.add(e.getKey() + ": " + s.path("error").asText());
            }
        }
        if (rows.size() == 1) {
            out.append("No services: no desired document yet ('berth apply FILE' or publish one).\n");
        } else {
            table(rows, term, out);
        }
        JsonNode orphans = report.path("orphans").path("volumes");
        if (orphans.isArray() && orphans.size() > 0) {
            List<String> names = new ArrayList<>();
            orphans.forEach(n -> names.add(n.asText()));
            out.append("\nOrphan volumes (kept; remove them by hand if unneeded): ").append(String.join(", ", names))
                    .append('\n');
        }
        if (!errors.isEmpty()) {
            out.append('\n');
            errors.forEach(line -> out.append(term.red("error ")).append(line).append('\n'));
        }
        return out.toString();
    }

    private static void table(List<String[]> rows, Terminal term, StringBuilder out) {
        int[] widths = new int[6];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        int fixed = 0;
        for (int i = 0; i < widths.length; i++) {
            if (i != 3) {
                fixed += widths[i] + 2;
            }
        }
        // the image column gives way first so that a row fits 80 columns
        widths[3] = Math.max(10, Math.min(widths[3], WIDTH - 1 - fixed - 2));
        int total = fixed + widths[3] + 2 - 2;
        if (total > WIDTH - 1) {
            widths[0] = Math.max(8, widths[0] - (total - (WIDTH - 1))); // then a very long service name
        }
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                String cell = row[i];
                if (cell.length() > widths[i]) {
                    cell = i == 0 ? cell.substring(0, widths[i] - 1) + "…"
                            : "…" + cell.substring(cell.length() - widths[i] + 1);
                }
                String padded = cell + " ".repeat(widths[i] - cell.length());
                if (r > 0 && (i == 1 || i == 2)) {
                    padded = term.state(cell) + " ".repeat(widths[i] - cell.length());
                }
                line.append(i == row.length - 1 ? cell.isEmpty() ? "" : padded.stripTrailing() : padded + "  ");
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }

    static String uptime(String startedAt, Instant now) {
        if (startedAt == null) {
            return "-";
        }
        try {
            Duration d = Duration.between(Instant.parse(startedAt), now);
            if (d.isNegative()) {
                return "0s";
            }
            long s = d.getSeconds();
            if (s < 60) {
                return s + "s";
            }
            if (s < 3600) {
                return s / 60 + "m" + (s % 60 > 0 ? s % 60 + "s" : "");
            }
            if (s < 86400) {
                return s / 3600 + "h" + (s % 3600 / 60 > 0 ? s % 3600 / 60 + "m" : "");
            }
            return s / 86400 + "d" + (s % 86400 / 3600 > 0 ? s % 86400 / 3600 + "h" : "");
        } catch (DateTimeParseException e) {
            return "-";
        }
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? "none" : node.asText();
    }
}
