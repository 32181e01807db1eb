package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;

/** What every verb works with: the environment, the two output streams and the clock. */
record Io(Map<String, String> env, PrintStream out, PrintStream err, Clock clock) implements IoJson {
    /** Prints a JSON value for {@code --json}: indented, one document. */
    void json(JsonNode node) throws IOException {
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
    }

    /** Prints one JSON value on one line (a stream of them: logs, events). */
    void jsonLine(JsonNode node) throws IOException {
        out.println(JSON.writeValueAsString(node));
    }

    Terminal terminal() {
        return Terminal.detect(env);
    }

    Progress progress() {
        return Progress.detect(err, env);
    }
}
