package io.berth.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.reconcile.StatusReporter;
import io.berth.registry.AgentPackages;
import io.berth.registry.RegistryClient;
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

    /** Each registry request's limit: a board on a slow link still gets a block of the package through in it. */
    private static final int REGISTRY_TIMEOUT_MILLIS = 60_000;

    /** The agent's packages from the registry, every digest checked from the pinned index down to the package. */
    static final AgentPackageSource SOURCE = (ref, arch, auth, target, maxBytes) -> {
        AgentPackages.Fetched f = new AgentPackages(new RegistryClient(REGISTRY_TIMEOUT_MILLIS))
                .fetch(ref, arch, auth, target, maxBytes);
        return new AgentPackageSource.Fetched(f.file(), f.sha256(), f.size(), f.version());
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
