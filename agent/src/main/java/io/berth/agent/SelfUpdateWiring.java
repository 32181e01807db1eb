package io.berth.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.reconcile.StatusReporter;
import io.berth.selfupdate.AgentPackageSource;
import io.berth.selfupdate.AgentUpdater;
import io.berth.support.Version;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The agent update's wiring, in a class of its own so that {@link Agent} names none of its types
 * but {@link AgentUpdater}: a device never asked to update loads none of them.
 */
final class SelfUpdateWiring {
    private SelfUpdateWiring() {}

    /**
     * Where the agent fetches its own packages from.
     *
     * <p>TODO(coordinator): replace with the registry client once {@code io.berth.registry.AgentPackages}
     * is merged: {@code (ref, arch, auth, target, max) -> { var f = new AgentPackages(new RegistryClient(…))
     * .fetch(ref, arch, auth, target, max); return new AgentPackageSource.Fetched(f.file(), f.sha256(), f.size(),
     * f.version()); }}. Until then every fetch fails, saying so (the update is reported failed).
     */
    static final AgentPackageSource SOURCE = (ref, arch, auth, target, maxBytes) -> {
        throw new UnsupportedOperationException("this agent build cannot fetch agent packages yet "
                + "(io.berth.registry.AgentPackages is not wired in)");
    };

    static AgentUpdater updater(Path stateDir, Clock clock, StatusReporter reporter) {
        return new AgentUpdater(stateDir, Version.current(), clock, new AgentUpdater.Reports() {
            @Override
            public void status(ObjectNode update) {
                reporter.agentUpdate(update);
            }

            @Override
            public void event(long revision, String version, String message) {
                reporter.agentUpdateEvent(revision, version, message);
            }
        }, SOURCE);
    }
}
