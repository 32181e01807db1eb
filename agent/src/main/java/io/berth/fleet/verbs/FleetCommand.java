package io.berth.fleet.verbs;

import io.berth.fleet.BrokerOptions;
import io.berth.fleet.Device;
import io.berth.fleet.DeviceRows;
import io.berth.fleet.FleetView;
import io.berth.support.Args;
import io.berth.link.OperatorConnection;
import io.berth.model.Selector;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code berth fleet …}: the fleet table, rollouts and agent packages (PROTOCOL.md §10). Loaded only by these verbs. */
public final class FleetCommand {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    static final String HELP = """
            Usage: berth fleet ls [--selector S] [--json]
                   berth fleet rollout start|ls|status|pause|resume|abort …   (berth fleet rollout --help)
                   berth fleet serve [--listen HOST:PORT] [--token T] …           (berth fleet serve --help)
                   berth fleet agent-package push REF DEB… [--json]            (berth fleet agent-package --help)
                   berth fleet agent-update (--selector S | --device ID…) --version V --package REF
                                            [--timeout D] …                   (berth fleet agent-update --help)

            Lists every device seen on the broker ({p}/+/online and {p}/+/reported): id,
            online, phase, desired/applied revision, agent version (and an update under way
            or failed), failing services, labels, report age.
              --selector S         only devices whose labels match, e.g. 'tier=canary,site in (a,b)'
              --json               one JSON array
            """ + BrokerOptions.HELP;

    private FleetCommand() {}

    /**
     * How a verb reads a document file (Compose YAML or JSON, resolved as {@code publish} resolves
     * it): handed in by the CLI, which owns Compose, so this package does not reach back into it.
     * Returns null after printing the file's errors to {@code err}.
     */
    public interface DocumentSource {
        com.fasterxml.jackson.databind.JsonNode read(java.nio.file.Path file, String verb, PrintStream err);
    }

    public static int main(List<String> args, Map<String, String> env, PrintStream out, PrintStream err,
                           DocumentSource documents) {
        if (args.isEmpty() || args.get(0).equals("-h") || args.get(0).equals("--help")) {
            (args.isEmpty() ? err : out).print(HELP);
            return args.isEmpty() ? USAGE : OK;
        }
        return switch (args.get(0)) {
            case "ls" -> ls(args.subList(1, args.size()), env, out, err);
            case "rollout" -> RolloutVerbs.main(args.subList(1, args.size()), env, out, err, documents);
            case "agent-update" -> AgentUpdateVerb.main(args.subList(1, args.size()), env, out, err,
                    AgentPackageResolver.standard(env));
            case "serve" -> io.berth.fleet.console.ConsoleCommand.main(args.subList(1, args.size()), env, out, err);
            case "agent-package" -> AgentPackageVerbs.main(args.subList(1, args.size()), env, out, err);
            default -> {
                err.println("berth fleet: unknown command '" + args.get(0) + "'\n");
                err.print(HELP);
                yield USAGE;
            }
        };
    }

    /** The value options of a verb plus the broker's. */
    public static Set<String> options(String... own) {
        return BrokerOptions.options(own);
    }

    static int ls(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.contains("-h") || args.contains("--help")) {
            out.print(HELP);
            return OK;
        }
        Args a;
        BrokerOptions broker;
        Selector selector;
        try {
            a = Args.parse(args, Set.of("--json"), options("--selector"), Map.of());
            if (!a.positional.isEmpty()) {
                throw new Args.UsageException("unexpected argument '" + a.positional.get(0) + "'");
            }
            selector = a.value("--selector") == null ? Selector.everything() : Selector.parse(a.value("--selector"));
            broker = BrokerOptions.from(a, env);
        } catch (Args.UsageException | IllegalArgumentException e) {
            err.println("berth fleet ls: " + e.getMessage());
            return USAGE;
        }
        try (OperatorConnection c = OperatorConnection.connect(broker.settings())) {
            FleetView view = new FleetView(broker.prefix());
            view.attach(c);
            List<Device> devices = view.select(selector);
            Instant now = Clock.systemUTC().instant();
            if (a.has("--json")) {
                out.println(DeviceRows.json(devices, now));
            } else {
                out.print(DeviceRows.table(devices, now));
            }
            return OK;
        } catch (IOException e) {
            err.println("berth fleet ls: " + e.getMessage());
            return FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FAILED;
        }
    }

}
