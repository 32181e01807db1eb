package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.agent.Agent;
import io.berth.config.AgentConfig;
import io.berth.config.ConfigException;
import io.berth.config.ConfigLoader;
import io.berth.spec.DocumentParser;
import io.berth.spec.DocumentReader;
import io.berth.spec.ParsedDocument;
import io.berth.spec.SpecError;
import io.berth.support.Version;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.tinylog.Logger;
import org.tinylog.configuration.Configuration;
import sun.misc.Signal;

/** The {@code berth} command: the daemon ({@code agent}) and the verbs that need no agent. */
public final class Main {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private static final String USAGE_TEXT = """
            Usage: berth COMMAND [ARGS]

            Commands:
              agent [--config FILE]   run the agent (the daemon)
              validate FILE           check a desired document (JSON or YAML) and list every error
              version                 print Berth's version

            Configuration comes from the config file and the environment (which wins):
              BERTH_DEVICE_ID, BERTH_MQTT_URL, BERTH_STATE_DIR, BERTH_DOCKER_HOST, BERTH_PROFILE,
              BERTH_SOCKET, BERTH_TOPIC_PREFIX; BERTH_LOG_LEVEL (trace|debug|info|warn|error).
            """;

    private Main() {}

    public static void main(String[] args) {
        String level = System.getenv("BERTH_LOG_LEVEL");
        if (level != null && !level.isBlank()) {
            Configuration.set("writer.level", level.toLowerCase(Locale.ROOT));
        }
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length == 0 || List.of("-h", "--help", "help").contains(args[0])) {
            (args.length == 0 ? err : out).print(USAGE_TEXT);
            return args.length == 0 ? USAGE : OK;
        }
        return switch (args[0]) {
            case "agent" -> agent(args, env, err);
            case "validate" -> validate(args, out, err);
            case "cds-training" -> cdsTraining(err); // hidden: for `berth cds-archive` (the launcher)
            case "version", "--version" -> {
                out.println("berth " + Version.current());
                yield OK;
            }
            default -> {
                err.println("berth: unknown command '" + args[0] + "'\n");
                err.print(USAGE_TEXT);
                yield USAGE;
            }
        };
    }

    private static int agent(String[] args, Map<String, String> env, PrintStream err) {
        Path configFile = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                configFile = Path.of(args[++i]);
            } else if (args[i].startsWith("--config=")) {
                configFile = Path.of(args[i].substring("--config=".length()));
            } else if (args[i].equals("-h") || args[i].equals("--help")) {
                err.println("Usage: berth agent [--config FILE]");
                return OK;
            } else {
                err.println("berth agent: unexpected argument '" + args[i] + "'; usage: berth agent [--config FILE]");
                return USAGE;
            }
        }
        AgentConfig config;
        try {
            config = ConfigLoader.load(configFile, env);
        } catch (ConfigException e) {
            err.println("berth agent: " + e.getMessage());
            return USAGE;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        Agent agent;
        try {
            agent = new Agent(config, Clock.systemUTC());
        } catch (IOException e) {
            err.println("berth agent: " + e.getMessage());
            return FAILED;
        }
        agent.start();
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        agent.close();
        Logger.info("Berth stopped");
        return OK;
    }

    private static int cdsTraining(PrintStream err) {
        try {
            return CdsTraining.run();
        } catch (Exception e) {
            err.println("berth cds-training: " + e);
            return FAILED;
        }
    }

    private static int validate(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 2) {
            err.println("Usage: berth validate FILE");
            return USAGE;
        }
        Path file = Path.of(args[1]);
        if (!Files.isReadable(file)) {
            err.println("berth validate: cannot read " + file);
            return USAGE;
        }
        JsonNode tree;
        try {
            tree = DocumentReader.readFile(file);
        } catch (IOException e) {
            err.println("berth validate: " + e.getMessage());
            return FAILED;
        }
        if (tree != null && tree.isObject() && !tree.has("revision")) {
            // a plain Compose file has no revision; validate does not require one
            ((com.fasterxml.jackson.databind.node.ObjectNode) tree).put("revision", 1);
        }
        ParsedDocument parsed = DocumentParser.parse(tree == null ? com.fasterxml.jackson.databind.node.NullNode.instance
                : tree);
        if (parsed instanceof ParsedDocument.Invalid invalid) {
            err.println(file + ": " + invalid.errors().size() + (invalid.errors().size() == 1 ? " error" : " errors"));
            for (SpecError e : invalid.errors()) {
                err.println("  " + e);
            }
            return FAILED;
        }
        ParsedDocument.Valid valid = (ParsedDocument.Valid) parsed;
        out.println(file + ": valid (" + valid.state().services().size() + " services, "
                + valid.state().volumes().size() + " volumes)");
        return OK;
    }
}
