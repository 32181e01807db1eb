package io.berth.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.cli.Args;
import io.berth.fleet.rollout.RolloutVerbs;
import io.berth.link.OperatorConnection;
import io.berth.model.Selector;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code berth fleet …}: the fleet table and rollouts (PROTOCOL.md §10). Loaded only by these verbs. */
public final class FleetCommand {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    static final String HELP = """
            Usage: berth fleet ls [--selector S] [--json]
                   berth fleet rollout start|ls|status|pause|resume|abort …   (berth fleet rollout --help)
                   berth fleet serve [--listen HOST:PORT] [--token T] …           (berth fleet serve --help)

            Lists every device seen on the broker ({p}/+/online and {p}/+/reported): id,
            online, phase, desired/applied revision, failing services, labels, report age.
              --selector S         only devices whose labels match, e.g. 'tier=canary,site in (a,b)'
              --json               one JSON array
            """ + BrokerOptions.HELP;
    private static final ObjectMapper JSON = new ObjectMapper();

    private FleetCommand() {}

    public static int main(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.isEmpty() || args.get(0).equals("-h") || args.get(0).equals("--help")) {
            (args.isEmpty() ? err : out).print(HELP);
            return args.isEmpty() ? USAGE : OK;
        }
        return switch (args.get(0)) {
            case "ls" -> ls(args.subList(1, args.size()), env, out, err);
            case "rollout" -> RolloutVerbs.main(args.subList(1, args.size()), env, out, err);
            case "serve" -> io.berth.fleet.console.ConsoleCommand.main(args.subList(1, args.size()), env, out, err);
            default -> {
                err.println("berth fleet: unknown command '" + args.get(0) + "'\n");
                err.print(HELP);
                yield USAGE;
            }
        };
    }

    /** The value options of a verb plus the broker's. */
    public static Set<String> options(String... own) {
        Set<String> all = new HashSet<>(BrokerOptions.OPTIONS);
        all.addAll(List.of(own));
        return all;
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
                out.println(json(devices, now));
            } else {
                out.print(table(devices, now));
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

    /** One object per device, as {@code fleet ls --json} prints them (the console uses the same). */
    public static ObjectNode json(Device d, Instant now) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", d.id());
        if (d.online() == null) {
            o.putNull("online");
        } else {
            o.put("online", d.online());
        }
        o.put("phase", d.phase());
        ObjectNode rev = o.putObject("revision");
        rev.put("desired", d.desiredRevision());
        rev.put("applied", d.appliedRevision());
        if (d.goodRevision() >= 0) {
            rev.put("good", d.goodRevision());
        }
        d.failingServices().forEach(o.putArray("failing")::add);
        ObjectNode labels = o.putObject("labels");
        d.labels().forEach(labels::put);
        o.put("reportTime", d.reportTime() == null ? null : d.reportTime().toString());
        Duration age = d.reportAge(now);
        if (age == null) {
            o.putNull("reportAgeSeconds");
        } else {
            o.put("reportAgeSeconds", age.toSeconds());
        }
        return o;
    }

    static String json(List<Device> devices, Instant now) {
        ArrayNode array = JSON.createArrayNode();
        devices.forEach(d -> array.add(json(d, now)));
        return array.toString();
    }

    static String table(List<Device> devices, Instant now) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"DEVICE", "ONLINE", "PHASE", "DESIRED", "APPLIED", "FAILING", "LABELS", "REPORTED"});
        for (Device d : devices) {
            StringBuilder labels = new StringBuilder();
            d.labels().forEach((k, v) -> labels.append(labels.length() == 0 ? "" : ",").append(k).append('=').append(v));
            rows.add(new String[] {d.id(), d.online() == null ? "?" : d.online() ? "yes" : "no",
                    d.phase() == null ? "-" : d.phase(), rev(d.desiredRevision()), rev(d.appliedRevision()),
                    d.failingServices().isEmpty() ? "-" : String.join(",", d.failingServices()),
                    labels.length() == 0 ? "-" : labels.toString(), age(d.reportAge(now))});
        }
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder s = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(i == r.length - 1 ? r[i] : String.format("%-" + (width[i] + 2) + "s", r[i]));
            }
            s.append(line.toString().stripTrailing()).append('\n');
        }
        if (devices.isEmpty()) {
            s.append("(no devices)\n");
        }
        return s.toString();
    }

    private static String rev(long r) {
        return r == 0 ? "-" : Long.toString(r);
    }

    /** 42s, 5m, 3h, 2d ago; "-" when never. */
    public static String age(Duration d) {
        if (d == null) {
            return "-";
        }
        long s = d.toSeconds();
        return (s < 60 ? s + "s" : s < 3600 ? s / 60 + "m" : s < 86400 ? s / 3600 + "h" : s / 86400 + "d") + " ago";
    }
}
