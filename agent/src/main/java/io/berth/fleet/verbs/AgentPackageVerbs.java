package io.berth.fleet.verbs;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.model.ImageRef;
import io.berth.registry.AgentPackages;
import io.berth.registry.RegistryClient;
import io.berth.registry.RegistryException;
import io.berth.support.Args;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code berth fleet agent-package push REF DEB…} (PROTOCOL.md §10; docs/fleet.md "Agent packages in a registry"). */
final class AgentPackageVerbs {
    static final String HELP = """
            Usage: berth fleet agent-package push REF DEB… [--json]

            Stores agent packages (berth_VERSION_ARCH.deb, one per architecture: amd64, arm64,
            armhf, or all; all of one version) in a registry as one OCI artifact tagged with
            REF's tag, and prints its reference pinned by digest (HOST/REPO@sha256:…): the one
            'berth fleet agent-update --package' and a desired document's 'agent' take.
              REF                  HOST/REPO:TAG, e.g. registry.example.com/berth/agent:0.7.0
              --json               {"ref", "version", "architectures"}
            Credentials: BERTH_REGISTRY_USERNAME and BERTH_REGISTRY_PASSWORD, else those
            'docker login HOST' stored in ~/.docker/config.json (or $DOCKER_CONFIG/config.json);
            never printed. Plain HTTP only to loopback (127.0.0.0/8, [::1], localhost), HTTPS
            otherwise.
            """;
    static final int TIMEOUT_MILLIS = 60_000;

    private AgentPackageVerbs() {}

    static int main(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.isEmpty() || args.get(0).equals("-h") || args.get(0).equals("--help")) {
            (args.isEmpty() ? err : out).print(HELP);
            return args.isEmpty() ? FleetCommand.USAGE : FleetCommand.OK;
        }
        Args a;
        try {
            a = Args.parse(args.subList(1, args.size()), Set.of("--json", "-h", "--help"), Set.of(), Map.of());
            if (a.has("-h") || a.has("--help")) {
                out.print(HELP);
                return FleetCommand.OK;
            }
            if (!args.get(0).equals("push")) {
                throw new Args.UsageException("unknown command '" + args.get(0) + "'");
            }
            if (a.positional.size() < 2) {
                throw new Args.UsageException("give the reference and at least one package");
            }
        } catch (Args.UsageException e) {
            err.println("berth fleet agent-package: " + e.getMessage() + "\n");
            err.print(HELP);
            return FleetCommand.USAGE;
        }
        String ref = a.positional.get(0);
        List<Path> debs = a.positional.subList(1, a.positional.size()).stream().map(Path::of).toList();
        try {
            var auth = RegistryCredentials.of(ImageRef.registryOf(ref), env);
            AgentPackages.Pinned pinned = new AgentPackages(new RegistryClient(TIMEOUT_MILLIS)).push(ref, debs, auth);
            out.println(a.has("--json") ? new ObjectMapper().writeValueAsString(pinned) : pinned.ref());
            return FleetCommand.OK;
        } catch (RegistryException e) {
            err.println("berth fleet agent-package push: " + e.getMessage());
            return FleetCommand.FAILED;
        } catch (IOException e) {
            err.println("berth fleet agent-package push: " + e.getMessage());
            return FleetCommand.FAILED;
        }
    }
}
