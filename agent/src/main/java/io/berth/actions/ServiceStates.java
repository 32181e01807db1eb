package io.berth.actions;

import io.berth.engine.Engine;
import io.berth.model.DesiredState;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedState;
import io.berth.model.RunState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code berth stop} and {@code berth start}: Berth's {@code state} key of services set locally
 * ({@link LocalOverrides}), until the next revision. The reconcile loop then stops or starts the
 * containers as it would for a document that says so, and keeps them that way.
 */
public final class ServiceStates {
    private final Engine engine;
    private final DocumentIntake intake;
    private final ReconcileThread thread;

    ServiceStates(Engine engine, DocumentIntake intake, ReconcileThread thread) {
        this.engine = engine;
        this.intake = intake;
        this.thread = thread;
    }

    /** Sets the services stopped ({@code RunState.STOPPED}) or running; returns what was done, in words. */
    public String set(List<String> services, RunState state) throws ActionException {
        String verb = state == RunState.STOPPED ? "stop" : "start";
        return thread.run(verb + " " + String.join(", ", services), () -> {
            DesiredState accepted = intake.acceptedState();
            if (accepted == null) {
                throw new ActionException("this device has no accepted document yet: nothing to " + verb);
            }
            List<String> unknown = new ArrayList<>(services);
            unknown.removeAll(accepted.services().keySet());
            if (!unknown.isEmpty()) {
                throw new ActionException("no service named " + String.join(", ", unknown) + " on this device; "
                        + "services: " + String.join(", ", accepted.services().keySet()));
            }
            try {
                intake.override(services, state);
            } catch (IOException e) {
                throw new ActionException("cannot record the " + verb + " in the state dir (" + e.getMessage()
                        + "): fix its permissions or free space", e);
            }
            if (state == RunState.RUNNING) {
                // as docker start: a stopped container runs now, whatever its restart policy (the loop
                // itself restarts an exited one only under 'always' or 'unless-stopped')
                ObservedState observed = engine.observe(Set.of(), Set.of(), Set.of());
                for (String service : services) {
                    ObservedContainer c = DryRun.containerOf(observed, service);
                    if (c != null && !c.isRunning()) {
                        engine.start(c.id());
                    }
                }
            }
            return (state == RunState.STOPPED ? "stopping " : "starting ") + String.join(", ", services)
                    + " until revision " + accepted.revision() + " is replaced"
                    + (state == RunState.STOPPED ? " ('berth start' runs it again)" : "");
        });
    }
}
