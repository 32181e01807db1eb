package io.berth.cli;

import io.berth.support.Args;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.localapi.ControlClient;
import io.berth.model.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code berth apply FILE [--wait [--timeout D]] [--dry-run] [--json]}. */
final class ApplyCommand implements AgentVerbs.Verb {
    static final Map<String, String> HELP = Map.of("apply", """
            Usage: berth apply FILE [--wait [--timeout 5m]] [--dry-run] [--json]
                   berth apply -f FILE [-f FILE]... [--profile NAME]... [options]

            Hands a desired document (JSON or Compose YAML) to the agent, with the same
            validation and revision rules as MQTT. A document without a revision gets
            the next one. The report shows it came from the CLI (source: cli).
            FILE may also be a bundle ('berth bundle create'): its images are checked
            and loaded first, then its document is applied.
              -f, --file FILE  Compose files, merged in order as docker compose does
              --profile NAME   activate a Compose profile (or COMPOSE_PROFILES)
              --wait          wait until the revision converged (exit 0), or was rejected,
                              failed or rolled back (exit 1), showing the pulls' progress
              --timeout D     how long --wait waits (default 5m; then exit 1)
              --dry-run       change nothing: show what the document would create, replace,
                              remove, start, stop or keep on this device now, and why, and
                              the first steps the agent's planner would run
              --json          print the agent's answer (or the dry run) as JSON
            """);

    private final Io io;

    ApplyCommand(Io io) {
        this.io = io;
    }

    @Override
    public int run(ControlClient client, String verb, List<String> args) throws IOException, Args.UsageException {
        ComposeArgs compose = ComposeArgs.extract(args);
        Args a = Args.parse(compose.rest(), Set.of("--wait", "--dry-run", "--json"), Set.of("--timeout"), Map.of());
        List<Path> files = compose.filesWith(a.positional);
        if (files.isEmpty() || a.positional.size() > 1) {
            throw new Args.UsageException("which file? berth apply FILE, or -f FILE [-f FILE…] [--profile NAME]");
        }
        Duration timeout = Duration.ofMinutes(5);
        if (a.value("--timeout") != null) {
            timeout = Durations.parse(a.value("--timeout"));
            if (timeout == null || !a.has("--wait")) {
                throw new Args.UsageException(timeout == null ? "--timeout takes a duration like 90s or 5m"
                        : "--timeout goes with --wait");
            }
        }
        if (a.has("--dry-run") && a.has("--wait")) {
            throw new Args.UsageException("--dry-run changes nothing: there is nothing to --wait for");
        }
        Path file = files.get(0);
        if (!Files.isReadable(file)) {
            io.err().println("berth apply: cannot read " + file);
            return AgentVerbs.USAGE;
        }
        boolean bundle = Sideload.isArchive(file);
        if (bundle && a.has("--dry-run")) {
            throw new Args.UsageException("--dry-run takes a document, not a bundle: dry-run the document the bundle "
                    + "was made from");
        }
        JsonNode document;
        if (bundle) {
            // a bundle: the agent checks it whole and loads its images, then the document is applied
            JsonNode loaded = Sideload.load(client, file, io.progress());
            document = loaded.get("document");
            if (document == null || document.isNull()) {
                io.err().println("berth apply: " + file + " holds images but no document; its images were loaded (use"
                        + " 'berth load' for image archives)");
                return AgentVerbs.FAILED;
            }
            io.out().println("loaded " + loaded.path("images").size() + " image(s) from " + file.getFileName());
        } else {
            document = ComposeFile.readForSending(files, compose.profiles(), io.env(), "apply", io.err());
            if (document == null) {
                return AgentVerbs.FAILED;
            }
        }
        if (!document.isObject()) {
            io.err().println("berth apply: " + file + " does not hold a desired document (a map with 'services')");
            return AgentVerbs.FAILED;
        }
        if (a.has("--dry-run")) {
            JsonNode plan = client.call("plan", Io.JSON.createObjectNode().set("document", document));
            if (a.has("--json")) {
                io.json(plan);
            } else {
                io.out().print(DryRunView.render(plan, file.getFileName().toString()));
            }
            return plan.has("rejected") ? AgentVerbs.FAILED : AgentVerbs.OK;
        }
        return apply(client, file, document, a.has("--wait") ? timeout : null, a.has("--json"));
    }

    private int apply(ControlClient client, Path file, JsonNode document, Duration wait, boolean json)
            throws IOException {
        ObjectNode request = Io.JSON.createObjectNode();
        request.set("document", document);
        request.put("source", "cli");
        request.put("fillRevision", true);
        long started = io.clock().millis();
        JsonNode result;
        try {
            result = client.call("apply", request);
        } catch (ControlClient.RefusedException e) {
            JsonNode detail = e.answer().path("detail");
            if (json) {
                io.json(detail);
            }
            io.err().println("berth apply: rejected: " + e.getMessage());
            for (JsonNode error : detail.path("errors")) {
                io.err().println("  " + error.path("path").asText() + ": " + error.path("message").asText());
            }
            return AgentVerbs.exitCode(e);
        }
        long revision = result.path("revision").asLong();
        if (!json) {
            if ("unchanged".equals(result.path("outcome").asText())) {
                io.out().println("revision " + revision + " is already the accepted one, with the same content: "
                        + "nothing to do");
            } else {
                io.out().println("accepted revision " + revision + " from " + file.getFileName()
                        + (wait == null ? "; 'berth status' shows the progress" : ""));
            }
        }
        if (wait == null) {
            if (json) {
                io.json(result);
            }
            return AgentVerbs.OK;
        }
        Convergence verdict = new ApplyWait(io, client).await(revision, started, wait);
        if (json) {
            ObjectNode answer = result.deepCopy();
            answer.put("result", verdict.outcome().name().toLowerCase()).put("message", verdict.message());
            io.json(answer);
        }
        if (verdict.outcome() == Convergence.Outcome.CONVERGED) {
            if (!json) {
                io.out().println(verdict.message());
            }
            return AgentVerbs.OK;
        }
        io.err().println("berth apply: " + verdict.message());
        verdict.printErrors(io.err());
        return AgentVerbs.FAILED;
    }
}
