package io.berth.fleet.verbs;

import io.berth.fleet.BrokerOptions;
import io.berth.fleet.Device;
import io.berth.fleet.rollout.Rollout;
import io.berth.fleet.rollout.RolloutPlanner;
import io.berth.model.Durations;
import io.berth.spec.AgentKey;
import io.berth.support.Args;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code berth fleet agent-update}: a staged rollout of an agent version (PROTOCOL.md §3 key
 * {@code agent}, §10; docs/fleet.md, "Agent updates"). Its options and its driver are
 * {@code rollout start}'s; what differs is what each device is given (its own document with
 * {@code agent} set) and when it is done (converged with the new version reported).
 */
final class AgentUpdateVerb {
    static final String HELP = """
            Usage: berth fleet agent-update (--selector S | --device ID…) --version V --package REF
                                            [--timeout 5m] [--waves 1,10%,100%] [--canary S]
                                            [--max-failures N|P%] [--wave-timeout 10m]
                                            [--id ID] [--wait] [--sign-key FILE]

            Updates the agent on the selected devices, in waves, as 'rollout start' rolls out
            a document: each device gets its own desired document again, with 'agent' set to
            version V from package REF, as its next revision. A device fails and is sent
            nothing when it has no desired document, when its retained one is not the one it
            runs (rejected, rolled back, not applied), or, with --sign-key, when that one is
            not signed with the key for it: publish a good document first. The agent downloads
            the package for its architecture, installs it and restarts into it; containers
            keep running. A device is done when it reports converged on that revision with
            agent version V, confirmed; failed when it reports the update failed (the previous
            agent is back), when it rejects or rolls back the revision, or at the wave timeout:
            at least --timeout plus 2 minutes, and for a device reporting the update under way
            --timeout plus 20 minutes. 'rollout status|pause|resume|abort' work on it.
            Exit codes: 0 first wave out (with --wait: completed), 1 failed, halted or
            aborted, 2 usage (also when REF holds another version than V).
              --version V          the version the package holds (berth version prints it)
              --package REF        the agent package in a registry ('agent-package push'):
                                   HOST/REPO:TAG or HOST/REPO@sha256:…; the documents carry
                                   it pinned by digest. Registry credentials as for push.
              --timeout D          how long the new agent has to come back and report before
                                   the previous one is reinstalled: 10s to 1h (default 5m)
              --waves, --canary, --max-failures, --wave-timeout, --id, --wait, --sign-key
                                   as for 'berth fleet rollout start'
            """ + BrokerOptions.HELP;

    static final Duration MIN_TIMEOUT = Duration.ofSeconds(10);
    static final Duration MAX_TIMEOUT = Duration.ofHours(1);

    private AgentUpdateVerb() {}

    static int main(List<String> args, Map<String, String> env, PrintStream out, PrintStream err,
                    AgentPackageResolver packages) {
        if (args.isEmpty() || args.contains("-h") || args.contains("--help")) {
            (args.isEmpty() ? err : out).print(HELP);
            return args.isEmpty() ? FleetCommand.USAGE : FleetCommand.OK;
        }
        String command = "berth fleet agent-update";
        Args a;
        BrokerOptions broker;
        try {
            List<String> options = new ArrayList<>(RolloutVerbs.START_OPTIONS);
            options.addAll(List.of("--version", "--package", "--timeout"));
            a = Args.parse(args, Set.of("--wait"), FleetCommand.options(options.toArray(String[]::new)), Map.of());
            if (!a.positional.isEmpty()) {
                throw new Args.UsageException("unexpected argument '" + a.positional.get(0) + "' (the package is "
                        + "--package REF)");
            }
            broker = BrokerOptions.from(a, env);
        } catch (Args.UsageException e) {
            err.println(command + ": " + e.getMessage());
            return FleetCommand.USAGE;
        }
        RolloutVerbs.Session s = new RolloutVerbs.Session(a, env, out, err, command, "agent-update", broker, null);
        String version = a.value("--version");
        String ref = a.value("--package");
        String timeout = a.value("--timeout") == null ? "5m" : a.value("--timeout");
        if (version == null || !AgentKey.DEBIAN_VERSION.matcher(version).matches()) {
            return s.usage(version == null ? "give --version V, the agent version the package holds"
                    : "--version '" + version + "' is not a package version, which every device would refuse: a "
                    + "digit first (an epoch 'N:' in front is allowed), as 'berth version' prints it (e.g. 0.7.0)");
        }
        if (ref == null) {
            return s.usage("give --package REF, the agent package in a registry (berth fleet agent-package push "
                    + "stores it)");
        }
        Duration d = Durations.parse(timeout);
        if (d == null || d.compareTo(MIN_TIMEOUT) < 0 || d.compareTo(MAX_TIMEOUT) > 0) {
            return s.usage("--timeout '" + timeout + "' must be a duration from 10s to 1h (e.g. 5m)");
        }
        RolloutStart.Options o = RolloutStart.options(s);
        if (o == null) {
            return FleetCommand.USAGE;
        }
        AgentPackageResolver.Pinned pinned;
        try {
            pinned = packages.pin(ref);
        } catch (IllegalArgumentException e) {
            return s.usage(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FleetCommand.FAILED;
        } catch (Exception e) {
            return s.failed("cannot read the agent package " + ref + ": " + e.getMessage());
        }
        if (pinned.version() != null && !pinned.version().equals(version)) {
            return s.usage("--package " + ref + " holds agent version " + pinned.version() + ", not --version "
                    + version + ": give the version it holds, or the package of " + version);
        }
        err.println("agent package " + pinned.ref() + ": " + (pinned.version() == null ? "its version is not "
                + "known: make sure it holds " + version : "version " + pinned.version())
                + (pinned.architectures().isEmpty() ? "" : ", for " + String.join(", ", pinned.architectures())));
        Rollout.Agent agent = new Rollout.Agent(version, pinned.ref(), timeout);
        Duration least = agent.leastWaveTimeout();
        if (o.waveTimeout().compareTo(least) < 0) {
            err.println("the wave timeout is " + least.toSeconds() + " s for this update (--timeout " + timeout
                    + " plus " + Rollout.Agent.MARGIN.toMinutes() + " minutes for the download, install and restart)");
        }
        return RolloutStart.launch(s, o, (opts, selected, keyId, now) -> {
            uncovered(selected, pinned).forEach(err::println);
            return RolloutPlanner.createAgentUpdate(opts.id(), opts.selector() == null ? null
                    : opts.selector().toString(), opts.named(), agent, selected, opts.canary(), opts.waves(),
                    opts.maxFailures(), opts.waveTimeout(), keyId, now);
        });
    }

    /**
     * Refuses devices whose architecture the package has no entry for (they could only fail), and
     * returns warnings for those it cannot tell. A device's architecture is the agent's own
     * ({@code agent.arch}, dpkg's); a device that does not report it (older agents) is judged by its
     * kernel's ({@code engine.arch}), which on a 32-bit system over a 64-bit kernel (Raspberry Pi OS)
     * says {@code aarch64} where armhf is needed: such a device is refused only when the package
     * holds none of the architectures it may be, and warned about when it holds some. Nothing is
     * refused when the resolver could not tell the package's architectures or a device says nothing.
     *
     * @return warnings, one line each (empty when every device is known to be covered)
     * @throws IllegalArgumentException naming the devices refused (a usage error: nothing is started)
     */
    static List<String> uncovered(List<Device> selected, AgentPackageResolver.Pinned pinned) {
        List<String> held = pinned.architectures();
        if (held.isEmpty() || held.contains("all")) {
            return List.of(); // not known, or an 'all' package every device takes
        }
        List<String> missing = new ArrayList<>();
        List<String> unsure = new ArrayList<>();
        for (Device d : selected) {
            List<String> could = d.agentArch() != null ? List.of(d.agentArch()) : debianArchs(d.engineArch());
            long covered = could.stream().filter(held::contains).count();
            String named = d.id() + " (" + (d.agentArch() != null ? d.agentArch() : d.engineArch()) + ")";
            if (!could.isEmpty() && covered == 0) {
                missing.add(named);
            } else if (covered < could.size()) {
                unsure.add(named);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("the package has no agent for " + firstFive(missing) + ": it holds "
                    + String.join(", ", held) + "; push a package for their architecture, or leave them out with "
                    + "the selector");
        }
        return unsure.isEmpty() ? List.of() : List.of("warning: " + firstFive(unsure) + " report only their "
                + "kernel's architecture, which may run a 64-bit (arm64) or a 32-bit (armhf) system, and the "
                + "package holds " + String.join(", ", held) + ": a device whose system it does not hold will "
                + "report its update failed (agents that report agent.arch are told apart)");
    }

    private static String firstFive(List<String> names) {
        return String.join(", ", names.subList(0, Math.min(5, names.size())))
                + (names.size() > 5 ? " and " + (names.size() - 5) + " more" : "");
    }

    /**
     * The Debian architectures ({@code amd64}, {@code arm64}, {@code armhf}…) a system on a kernel of
     * {@code engine.arch} may be: {@code aarch64} either arm64 or armhf; empty when not said.
     */
    static List<String> debianArchs(String engineArch) {
        if (engineArch == null) {
            return List.of();
        }
        return switch (engineArch) {
            case "x86_64", "amd64" -> List.of("amd64");
            case "aarch64", "arm64" -> List.of("arm64", "armhf");
            case "i386", "i686" -> List.of("i386");
            default -> engineArch.startsWith("arm") ? List.of("armhf") : List.of(engineArch);
        };
    }
}
