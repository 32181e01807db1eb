package io.berth.fleet.verbs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.spec.SigningKey;
import io.berth.fleet.BrokerOptions;
import io.berth.fleet.Device;
import io.berth.fleet.FleetView;
import io.berth.fleet.rollout.Documents;
import io.berth.fleet.rollout.Rollout;
import io.berth.fleet.rollout.RolloutDriver;
import io.berth.fleet.rollout.RolloutPlanner;
import io.berth.fleet.rollout.RolloutStore;
import io.berth.fleet.rollout.RolloutView;
import io.berth.support.Args;
import io.berth.link.OperatorConnection;
import io.berth.model.Durations;
import io.berth.spec.DocumentParser;
import io.berth.spec.ParsedDocument;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code berth fleet rollout start|ls|status|pause|resume|abort} (PROTOCOL.md §10; docs/fleet.md). */
final class RolloutVerbs {
    static final String HELP = """
            Usage: berth fleet rollout start (--selector S | --device ID…) (FILE | -f FILE…) [--profile P…]
                                             [--waves 1,10%,100%]
                                             [--canary S] [--max-failures N|P%] [--wave-timeout 10m]
                                             [--id ID] [--wait] [--sign-key FILE]
                   berth fleet rollout ls [--json]
                   berth fleet rollout status ID [--json]
                   berth fleet rollout pause ID
                   berth fleet rollout resume ID [--sign-key FILE]
                   berth fleet rollout abort ID [--revert] [--sign-key FILE]

            A staged rollout of one document: each wave's devices get their own next revision of
            it; the next wave starts when the wave's online devices converged on it and passed
            their trial. A rejection, failure, rollback or a wave timeout is a failure; past
            --max-failures (default 0) the rollout halts and touches no further device. Waves
            are cumulative counts or percentages; devices matching --canary go first.
            'start' publishes the first wave and returns; --wait (and 'resume') drive the
            rollout to its end: exit 0 when it completed, 1 when it halted or was aborted.
            The rollout's state is retained on {p}/_fleet/rollouts/ID: 'resume' from any
            machine carries on where a driver stopped.
            """ + BrokerOptions.HELP;
    /** The value options of {@code start}, which {@code agent-update} takes too. */
    static final List<String> START_OPTIONS = List.of("--selector", "--device", "--waves", "--canary", "--max-failures",
            "--wave-timeout", "--id", "--sign-key");
    private static final ObjectMapper JSON = new ObjectMapper();

    private RolloutVerbs() {}

    static int main(List<String> args, Map<String, String> env, PrintStream out, PrintStream err,
                    FleetCommand.DocumentSource documents) {
        if (args.isEmpty() || args.get(0).equals("-h") || args.get(0).equals("--help")) {
            (args.isEmpty() ? err : out).print(HELP);
            return args.isEmpty() ? FleetCommand.USAGE : FleetCommand.OK;
        }
        String verb = args.get(0);
        Args a;
        BrokerOptions broker;
        try {
            a = Args.parse(args.subList(1, args.size()), Set.of("--json", "--wait", "--revert", "-h", "--help"),
                    FleetCommand.options(START_OPTIONS.toArray(String[]::new)), Map.of());
            if (a.has("-h") || a.has("--help")) {
                out.print(HELP);
                return FleetCommand.OK;
            }
            broker = BrokerOptions.from(a, env);
        } catch (Args.UsageException e) {
            err.println("berth fleet rollout " + verb + ": " + e.getMessage());
            return FleetCommand.USAGE;
        }
        Session s = new Session(a, env, out, err, "berth fleet rollout " + verb, verb, broker, documents);
        return switch (verb) {
            case "start" -> s.start();
            case "ls" -> s.ls();
            case "status" -> s.status();
            case "pause", "resume", "abort" -> s.control();
            default -> {
                err.println("berth fleet rollout: unknown command '" + verb + "'\n");
                err.print(HELP);
                yield FleetCommand.USAGE;
            }
        };
    }

    /** One verb's run: its options and, once connected, the fleet and the rollouts. */
    static final class Session {
        final Args a;
        final Map<String, String> env;
        final PrintStream out;
        final PrintStream err;
        /** What messages start with: {@code berth fleet rollout start}, {@code berth fleet agent-update}. */
        final String command;
        final String verb;
        final BrokerOptions broker;
        final FleetCommand.DocumentSource documents;
        final Clock clock = Clock.systemUTC();

        Session(Args a, Map<String, String> env, PrintStream out, PrintStream err, String command, String verb,
                BrokerOptions broker, FleetCommand.DocumentSource documents) {
            this.command = command;
            this.documents = documents;
            this.a = a;
            this.env = env;
            this.out = out;
            this.err = err;
            this.verb = verb;
            this.broker = broker;
        }

        int usage(String message) {
            err.println(command + ": " + message);
            return FleetCommand.USAGE;
        }

        int failed(String message) {
            err.println(command + ": " + message);
            return FleetCommand.FAILED;
        }

        Duration lease() {
            Duration d = Durations.parse(env.getOrDefault("BERTH_FLEET_LEASE", "15s"));
            return d == null || d.isNegative() || d.isZero() ? Duration.ofSeconds(15) : d;
        }

        SigningKey key() throws IOException {
            return a.value("--sign-key") == null ? null : SigningKey.read(Path.of(a.value("--sign-key")));
        }

        int start() {
            if (a.positional.size() != 1) {
                return usage("give one FILE (the document to roll out)");
            }
            RolloutStart.Options o = RolloutStart.options(this);
            if (o == null) {
                return FleetCommand.USAGE;
            }
            JsonNode tree = documents.read(Path.of(a.positional.get(0)), "fleet rollout start", err);
            if (!(tree instanceof ObjectNode document)) {
                return tree == null ? FleetCommand.FAILED : usage(a.positional.get(0) + " holds no desired document");
            }
            ObjectNode probe = Documents.content(document);
            probe.put("revision", 1);
            if (DocumentParser.parse(probe) instanceof ParsedDocument.Invalid invalid) {
                err.println("berth fleet rollout start: " + a.positional.get(0) + " is not valid; nothing was published:");
                invalid.errors().forEach(e -> err.println("  " + e));
                return FleetCommand.FAILED;
            }
            return RolloutStart.launch(this, o, (opts, selected, keyId, now) -> RolloutPlanner.create(opts.id(),
                    opts.selector() == null ? null : opts.selector().toString(), opts.named(), document, selected,
                    opts.canary(), opts.waves(), opts.maxFailures(), opts.waveTimeout(), keyId, now));
        }

        /** What a verb does once connected, with the fleet and the rollouts in. */
        interface Body {
            int run(Fleet f) throws IOException, InterruptedException, RolloutDriver.LeaseLost;
        }

        int connected(Body body) {
            try (OperatorConnection c = OperatorConnection.connect(broker.settings())) {
                return body.run(Fleet.open(c, broker.prefix()));
            } catch (IOException | RolloutDriver.LeaseLost e) {
                return failed(e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return FleetCommand.FAILED;
            }
        }

        /** 0 completed, 1 halted or aborted (the reason on stderr). */
        int exit(Rollout end) {
            out.println(end.id() + " " + end.status() + (end.reason() == null ? "" : ": " + end.reason()));
            return Rollout.COMPLETED.equals(end.status()) || Rollout.PAUSED.equals(end.status()) ? FleetCommand.OK
                    : FleetCommand.FAILED;
        }

        int ls() {
            return connected(f -> {
                Map<String, Rollout> all = f.store.all();
                if (a.has("--json")) {
                    var array = JSON.createArrayNode();
                    all.values().forEach(r -> array.add(RolloutView.summary(r)));
                    out.println(array);
                } else {
                    out.print(RolloutView.table(all.values(), clock.instant()));
                }
                return FleetCommand.OK;
            });
        }

        int status() {
            if (a.positional.size() != 1) {
                return usage("give the rollout ID");
            }
            return connected(f -> {
                Rollout r = f.store.get(a.positional.get(0)).orElse(null);
                if (r == null) {
                    return failed("no rollout " + a.positional.get(0) + " on the broker: see berth fleet rollout ls");
                }
                if (a.has("--json")) {
                    out.println(RolloutView.json(r, f.view.devices(), clock.instant()));
                } else {
                    out.print(RolloutView.text(r, f.view.devices(), clock.instant()));
                }
                return FleetCommand.OK;
            });
        }

        /**
         * pause, resume, abort: asks the driver that holds the lease (it obeys within a second);
         * when there is none, this process takes the lease and does it: resume drives the rollout
         * to its end, abort --revert gives the documents back, pause just records it.
         */
        int control() {
            if (a.positional.size() != 1) {
                return usage("give the rollout ID");
            }
            String id = a.positional.get(0);
            return connected(f -> {
                SigningKey key = key();
                Rollout r = f.store.get(id).orElse(null);
                if (r == null) {
                    return failed("no rollout " + id + " on the broker: see berth fleet rollout ls");
                }
                try {
                    RolloutPlanner.request(r, verb, a.has("--revert"), clock.instant()); // refused early, with the reason
                } catch (IllegalStateException e) {
                    return failed(e.getMessage());
                }
                f.store.ask(id, verb, a.has("--revert"), clock.instant());
                if (r.lease() != null && r.lease().heldAt(clock.instant())) {
                    // a driver holds the lease: it applies the request within a second and clears it
                    java.time.Instant until = java.time.Instant.parse(r.lease().until()).plus(lease());
                    while (f.store.request(id).isPresent() && clock.instant().isBefore(until)) {
                        Thread.sleep(100);
                    }
                    if (f.store.request(id).isEmpty()) {
                        Rollout now = f.store.get(id).orElse(r);
                        out.println(id + " " + now.status() + " (by its driver " + (r.lease().owner()) + ")");
                        return FleetCommand.OK;
                    }
                }
                try (RolloutDriver driver = new RolloutDriver(f.store, f.view, key, clock, lease())) {
                    Rollout end = driver.drive(id, verb.equals("resume") ? RolloutDriver.Mode.TO_END
                            : RolloutDriver.Mode.SETTLE, err::println);
                    if (verb.equals("resume")) {
                        return exit(end);
                    }
                    out.println(id + " " + end.status() + (end.reason() == null ? "" : ": " + end.reason()));
                    return end.status().equals(verb.equals("pause") ? Rollout.PAUSED : Rollout.ABORTED)
                            ? FleetCommand.OK : FleetCommand.FAILED;
                } catch (RolloutDriver.LeaseLost e) {
                    // a live driver holds it: it applies the request
                    err.println("berth fleet rollout " + verb + ": asked the rollout's driver (" + e.getMessage() + ")");
                    return verb.equals("resume") ? FleetCommand.FAILED : FleetCommand.OK;
                }
            });
        }
    }

    /** The fleet view and the rollout store on one connection, with their retained messages in. */
    record Fleet(FleetView view, RolloutStore store) {
        static Fleet open(OperatorConnection c, String prefix) throws IOException, InterruptedException {
            RolloutStore store = new RolloutStore(c, prefix);
            store.attach(true); // waits for the records and desired documents
            FleetView view = new FleetView(prefix);
            view.attach(c); // waits for the online and reported messages
            return new Fleet(view, store);
        }
    }
}
