package io.berth.fleet.console;

import io.berth.cli.Args;
import io.berth.fleet.BrokerOptions;
import io.berth.fleet.FleetCommand;
import io.berth.fleet.FleetView;
import io.berth.fleet.rollout.RolloutDriver;
import io.berth.fleet.rollout.RolloutStore;
import io.berth.link.OperatorConnection;
import io.berth.model.Durations;
import io.berth.spec.SigningKey;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/** {@code berth fleet serve}: the operator console in the browser (docs/fleet.md, "The console"). */
public final class ConsoleCommand {
    static final String HELP = """
            Usage: berth fleet serve [--listen HOST:PORT] [--token T] [--sign-key FILE] [--no-drive]

            An operator console in the browser: the fleet table, each device's services, events
            and log tail, and the rollouts with their waves, all live; buttons to pause, resume
            and abort a rollout. It also drives open rollouts (--no-drive: only shows them).
              --listen HOST:PORT   where to listen (default 127.0.0.1:8080; port 0 picks one)
              --token T            every request must carry it (BERTH_CONSOLE_TOKEN); required
                                   when listening on anything but the loopback; open /?token=T
              --sign-key FILE      sign what the console's rollout drivers publish
            """ + BrokerOptions.HELP;

    private ConsoleCommand() {}

    public static int main(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.contains("-h") || args.contains("--help")) {
            out.print(HELP);
            return FleetCommand.OK;
        }
        Args a;
        BrokerOptions broker;
        InetSocketAddress listen;
        String token;
        try {
            a = Args.parse(args, Set.of("--no-drive"), FleetCommand.options("--listen", "--token", "--sign-key"), Map.of());
            if (!a.positional.isEmpty()) {
                throw new Args.UsageException("unexpected argument '" + a.positional.get(0) + "'");
            }
            broker = BrokerOptions.from(a, env);
            listen = listen(a.value("--listen") == null ? "127.0.0.1:8080" : a.value("--listen"));
            token = a.value("--token") != null ? a.value("--token") : env.get("BERTH_CONSOLE_TOKEN");
            if ((token == null || token.isEmpty()) && !listen.getAddress().isLoopbackAddress()) {
                throw new Args.UsageException("--listen " + a.value("--listen") + " is not the loopback: set --token "
                        + "(or BERTH_CONSOLE_TOKEN), or anyone who reaches the port drives your fleet");
            }
        } catch (Args.UsageException | IllegalArgumentException e) {
            err.println("berth fleet serve: " + e.getMessage());
            err.print(HELP);
            return FleetCommand.USAGE;
        }
        Clock clock = Clock.systemUTC();
        try (OperatorConnection c = OperatorConnection.connect(broker.settings())) {
            SigningKey key = a.value("--sign-key") == null ? null : SigningKey.read(Path.of(a.value("--sign-key")));
            RolloutStore store = new RolloutStore(c, broker.prefix());
            store.attach(!a.has("--no-drive"));
            FleetView fleet = new FleetView(broker.prefix());
            fleet.attach(c);
            EventHub hub = new EventHub();
            ConsoleState state = new ConsoleState(c, broker.prefix(), fleet, store, hub, clock);
            state.attach();
            Duration lease = Durations.parse(env.getOrDefault("BERTH_FLEET_LEASE", "15s"));
            try (ConsoleServer server = new ConsoleServer(state, hub, listen, token);
                 RolloutDrivers drivers = a.has("--no-drive") ? null : new RolloutDrivers(store,
                         new RolloutDriver(store, fleet, key, clock, lease), clock, err::println)) {
                server.start();
                if (drivers != null) {
                    drivers.start();
                }
                InetSocketAddress at = server.address();
                out.println("berth fleet serve: http://" + at.getHostString() + ":" + at.getPort() + "/"
                        + " (" + fleet.devices().size() + " devices, " + store.all().size() + " rollouts on "
                        + c.serverUri() + ")");
                out.flush();
                CountDownLatch stop = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "berth-console-stop"));
                stop.await();
            }
            return FleetCommand.OK;
        } catch (IOException e) {
            err.println("berth fleet serve: " + e.getMessage());
            return FleetCommand.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FleetCommand.FAILED;
        }
    }

    static InetSocketAddress listen(String value) throws Args.UsageException {
        int colon = value.lastIndexOf(':');
        if (colon <= 0) {
            throw new Args.UsageException("--listen takes HOST:PORT, e.g. 127.0.0.1:8080");
        }
        String host = value.substring(0, colon).replace("[", "").replace("]", "");
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new Args.UsageException("--listen " + value + ": the port is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new Args.UsageException("--listen " + value + ": the port must be 0 to 65535");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (IOException e) {
            throw new Args.UsageException("--listen " + value + ": unknown host " + host);
        }
    }
}
