package io.berth.cli;

import io.berth.support.Args;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.localapi.ControlClient;
import io.berth.support.Redactor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * {@code berth config [FILE]}: a document as the agent gets it, secrets masked. With FILE, the
 * file resolved here as {@code apply} would send it (no agent needed); without, the agent's
 * accepted document and the local overrides ({@code berth stop}) in force.
 */
final class ConfigCommand implements AgentVerbs.Verb {
    static final Map<String, String> HELP = Map.of("config", """
            Usage: berth config [FILE | -f FILE [-f FILE]... [--profile NAME]...] [--json]

            Prints a desired document resolved, as the agent sees it, with passwords,
            tokens, secret-looking environment values and inline secrets masked (***).
              FILE     a Compose or JSON file, resolved here as 'berth apply FILE' would
                       send it (variables, .env); needs no agent
              (none)   the agent's accepted document, and the services 'berth stop' or
                       'berth start' set locally until the next revision
              --json   JSON instead of YAML
            """);

    private final Io io;

    ConfigCommand(Io io) {
        this.io = io;
    }

    @Override
    public int run(ControlClient client, String verb, List<String> args) throws IOException, Args.UsageException {
        ComposeArgs compose = ComposeArgs.extract(args);
        Args a = Args.parse(compose.rest(), Set.of("--json"), Set.of(), Map.of());
        if (a.positional.size() > 1) {
            throw new Args.UsageException("one file at most (or -f FILE [-f FILE…]); got " + a.positional);
        }
        List<Path> files = compose.filesWith(a.positional);
        JsonNode document;
        JsonNode overrides = null;
        if (!files.isEmpty()) {
            for (Path file : files) {
                if (!Files.isReadable(file)) {
                    io.err().println("berth config: cannot read " + file);
                    return AgentVerbs.USAGE;
                }
            }
            document = ComposeFile.readForSending(files, compose.profiles(), io.env(), "config", io.err());
            if (document == null) {
                return AgentVerbs.FAILED;
            }
            document = Redactor.redactDocument(document);
        } else {
            JsonNode answer = client.call("config", null);
            document = answer.path("document");
            overrides = answer.path("overrides");
            if (document.isNull() || document.isMissingNode()) {
                io.err().println("berth config: the agent has no accepted document yet");
                return AgentVerbs.FAILED;
            }
        }
        if (a.has("--json")) {
            ObjectNode out = Io.JSON.createObjectNode();
            out.set("document", document);
            if (overrides != null) {
                out.set("overrides", overrides);
            }
            io.json(files.isEmpty() ? out : document);
            return AgentVerbs.OK;
        }
        io.out().print(yaml(document));
        if (overrides != null && overrides.size() > 0) {
            io.out().println("# local overrides until the next revision (berth stop/start):");
            overrides.fields().forEachRemaining(e -> io.out().println("#   " + e.getKey() + ": state "
                    + e.getValue().asText()));
        }
        return AgentVerbs.OK;
    }

    static String yaml(JsonNode node) {
        DumpSettings settings = DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).setIndent(2)
                .setIndicatorIndent(0).build();
        return new Dump(settings).dumpToString(Io.JSON.convertValue(node, Object.class));
    }
}
