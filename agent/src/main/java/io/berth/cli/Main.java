package io.berth.cli;

import io.berth.agent.Agent;
import io.berth.config.AgentConfig;
import io.berth.config.ConfigException;
import io.berth.config.ConfigLoader;
import io.berth.support.Args;
import io.berth.support.Version;
import java.io.IOException;
import java.io.PrintStream;
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

    static final String USAGE_TEXT = """
            Usage: berth COMMAND [ARGS]

            Commands:
              agent [--config FILE]   run the agent (the daemon)
              validate FILE           check a desired document (JSON or YAML) and list every error
              keygen [--out FILE]     make an Ed25519 key pair for signing desired documents
              sign --key FILE [--device ID|--selector S] [--not-after WHEN] DOC
                                      print DOC signed with the key, bound to devices and a deadline
              version                 print Berth's version
              help [COMMAND]          this text, or a command's

            Commands for a running agent (through its control socket, BERTH_SOCKET):
              status [--json]         what runs: phase, revisions, services
              logs [SERVICE...] [-f] [--tail N] [--since T] [--until T] [-t]
                                      services' output (all of them without SERVICE)
              start | stop SERVICE...
                                      run / stop services (stop lasts until the next revision)
              restart SERVICE...      restart services' containers
              exec SERVICE [--] CMD...
                                      run a command in a service's container (engine socket)
              events [--since T]      the agent's events as they happen
              volumes [ls|rm NAME|prune]
                                      the document's volumes and the orphans; remove orphans
              pause | resume          stop / resume reconciliation (persisted)
              apply FILE [--wait] [--dry-run]
                                      apply a desired document (JSON, Compose YAML, bundle)
              config [FILE]           the resolved document, secrets masked
              doctor                  check engine, broker, registries, disk, clock, rights
              support-bundle [-o FILE]
                                      a .tar.gz for the fleet team, secrets removed
              load FILE               load images from a docker save archive or a bundle
              bundle create -o FILE DOC
                                      one archive: a document and its images (no agent)

            Commands for operators (over MQTT, no agent needed):
              publish --device ID FILE [--wait]
                                      publish a desired document (retained)
              watch --device ID       follow a device's online status, reports, events
              fleet ls [--selector S] [--json]
                                      every device on the broker: online, phase, revisions, labels
              fleet rollout start|ls|status|pause|resume|abort …
                                      staged rollouts in waves, canary first, halting on failure
              fleet agent-package push REF DEB…
                                      agent packages into a registry, pinned by digest
              fleet agent-update --selector S --version V --package REF
                                      update the agent itself, in the same waves
              logs --device ID SERVICE [-f]
                                      a device's forwarded logs
              cmd --device ID VERB [ARGS]
                                      a remote command (restart, logs, reconcile, diagnose)

            'berth help COMMAND' or 'berth COMMAND --help' tells more; --json prints state
            as JSON.
            Exit codes: 0 ok, 1 failed, 2 usage, 3 agent not running.

            Configuration comes from the config file and the environment (which wins):
              BERTH_DEVICE_ID, BERTH_MQTT_URL, BERTH_STATE_DIR, BERTH_DOCKER_HOST, BERTH_PROFILE,
              BERTH_SOCKET, BERTH_TOPIC_PREFIX; BERTH_LOG_LEVEL (trace|debug|info|warn|error).
            """;

    /** Help of the verbs that have no family of their own. */
    static final Map<String, String> SIMPLE_HELP = Map.of(
            "agent", """
                    Usage: berth agent [--config FILE]

                    Runs the agent (the daemon): reads the config file (YAML or JSON, then the
                    config.d directory beside it) and the environment, which wins, and runs
                    until SIGTERM or Ctrl-C. Its containers keep running when it stops.
                    """,
            "validate", """
                    Usage: berth validate FILE

                    Checks a desired document (JSON or Compose YAML; variables from the
                    environment and .env) without an agent and lists every error with its
                    path. Exit 0 valid, 1 invalid, 2 unreadable.
                    """,
            "keygen", """
                    Usage: berth keygen [--out FILE] [--id KEY_ID]

                    Makes an Ed25519 key pair for signing desired documents: the private key
                    in FILE (default berth-signing.key, mode 0600), the public one in FILE.pub
                    and on stdout, for the devices' trustedKeys. An existing FILE is never
                    replaced, not even on request: a key is not something to lose by mistake.
                    """,
            "sign", """
                    Usage: berth sign --key FILE [--device ID]... [--selector S]
                                      [--not-after WHEN] DOC

                    Prints DOC (JSON or Compose YAML, resolved as by validate) signed with the
                    key made by 'berth keygen'. --device (repeatable) or --selector bind it to
                    those devices (its target); --not-after, an ISO-8601 instant or a duration
                    such as 72h, is when devices stop taking it.
                    """,
            "version", """
                    Usage: berth version

                    Prints Berth's version.
                    """,
            "help", """
                    Usage: berth help [COMMAND]

                    Prints the list of commands, or what COMMAND does and takes (as
                    'berth COMMAND --help').
                    """);

    private Main() {}

    public static void main(String[] args) {
        String level = System.getenv("BERTH_LOG_LEVEL");
        if (level != null && !level.isBlank()) {
            Configuration.set("writer.level", level.toLowerCase(Locale.ROOT));
        }
        if ("journal".equals(System.getenv("BERTH_LOG_FORMAT"))) { // set by berth.service
            Configuration.set("writer", "io.berth.support.JournalWriter");
            Configuration.set("writer.format", "[{thread}] {message}");
        }
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length == 0 || List.of("-h", "--help").contains(args[0])) {
            (args.length == 0 ? err : out).print(USAGE_TEXT);
            return args.length == 0 ? USAGE : OK;
        }
        if (args[0].equals("help")) {
            if (args.length == 1) {
                out.print(USAGE_TEXT);
                return OK;
            }
            if (List.of("-h", "--help", "help").contains(args[1])) {
                out.print(SIMPLE_HELP.get("help"));
                return OK;
            }
            return run(new String[] {args[1], "--help"}, env, out, err);
        }
        List<String> rest = List.of(args).subList(1, args.length);
        if (SIMPLE_HELP.containsKey(args[0]) && AgentVerbs.asksHelp(rest)) {
            out.print(SIMPLE_HELP.get(args[0]));
            return OK;
        }
        return switch (args[0]) {
            case "agent" -> agent(args, env, err);
            case "validate" -> ValidateCommand.run(args, env, out, err);
            case "keygen" -> SigningCommands.keygen(args, out, err);
            case "sign" -> SigningCommands.sign(args, env, out, err);
            case "cds-training" -> cdsTraining(err); // hidden: for `berth cds-archive` (the launcher)
            case "version", "--version" -> {
                out.println("berth " + Version.current());
                yield OK;
            }
            case "fleet" -> fleet(rest, env, out, err);
            case "cmd" -> io.berth.fleet.verbs.DeviceVerbs.cmd(rest, env, out, err);
            case "logs" -> rest.stream().anyMatch(x -> x.equals("--device") || x.startsWith("--device="))
                    ? io.berth.fleet.verbs.DeviceVerbs.logs(rest, env, out, err)
                    : new AgentVerbs(env, out, err, Clock.systemUTC()).run(args[0], rest);
            case "status", "start", "stop", "restart", "pause", "resume", "apply", "events", "volumes", "config" ->
                    new AgentVerbs(env, out, err, Clock.systemUTC()).run(args[0], rest);
            case "exec" -> new ExecCommand(new Io(env, out, err, Clock.systemUTC())).run(rest);
            case "doctor" -> Doctor.main(List.of(args).subList(1, args.length), env, out, err);
            case "support-bundle" -> SupportBundle.main(List.of(args).subList(1, args.length), env, out, err);
            case "load" -> Sideload.loadVerb(List.of(args).subList(1, args.length), env, out, err);
            case "bundle" -> Sideload.bundleVerb(List.of(args).subList(1, args.length), env, out, err);
            case "publish" -> OperatorVerbs.publish(List.of(args).subList(1, args.length), env, out, err);
            case "watch" -> OperatorVerbs.watch(List.of(args).subList(1, args.length), env, out, err);
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

    /**
     * {@code berth fleet …}; {@code rollout start} reads a Compose project as apply does:
     * {@code -f FILE} (repeatable, merged in order) and {@code --profile NAME} (repeatable).
     */
    private static int fleet(List<String> rest, Map<String, String> env, PrintStream out, PrintStream err) {
        List<String> args = rest;
        ComposeArgs compose = new ComposeArgs(List.of(), List.of(), rest);
        if (rest.size() >= 2 && rest.get(0).equals("rollout") && rest.get(1).equals("start")) {
            try {
                compose = ComposeArgs.extract(rest.subList(2, rest.size()));
            } catch (Args.UsageException e) {
                err.println("berth fleet rollout start: " + e.getMessage());
                return USAGE;
            }
            args = new java.util.ArrayList<>(List.of("rollout", "start"));
            args.addAll(compose.rest());
            if (!compose.files().isEmpty()) {
                args.add(compose.files().get(0).toString()); // the verb's FILE; all of them are read below
            }
        }
        ComposeArgs project = compose;
        return io.berth.fleet.verbs.FleetCommand.main(args, env, out, err, (file, verb, errors) ->
                project.files().isEmpty() && project.profiles().isEmpty()
                        ? ComposeFile.readForSending(file, env, verb, errors)
                        : ComposeFile.readForSending(project.files().isEmpty() ? List.of(file) : project.files(),
                                project.profiles(), env, verb, errors));
    }

    private static int cdsTraining(PrintStream err) {
        try {
            return CdsTraining.run();
        } catch (Exception e) {
            err.println("berth cds-training: " + e);
            return FAILED;
        }
    }
}
