package io.berth.reconcile;

import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import io.berth.model.Labels;
import io.berth.model.ServiceSpec;
import io.berth.plan.Step;
import java.util.HashMap;
import java.util.Map;
import org.tinylog.Logger;

/** Applies one step through the engine. The one place that knows how each step is done. */
final class StepExecutor {

    /** What an executed step tells the rest of the agent (an event type and a message). */
    record Outcome(EventType eventType, String message) {}

    private final Engine engine;
    private final Map<String, String> ownership;

    private final ContainerDefaults defaults;
    private final ImagePulls pulls;

    StepExecutor(Engine engine, Map<String, String> ownership, ContainerDefaults defaults) {
        this(engine, ownership, defaults, null);
    }

    /** @param pulls how images are pulled (disk check, progress, record); null: a plain engine pull */
    StepExecutor(Engine engine, Map<String, String> ownership, ContainerDefaults defaults, ImagePulls pulls) {
        this.engine = engine;
        this.ownership = ownership;
        this.defaults = defaults;
        this.pulls = pulls;
    }

    private Map<String, String> labels(String... pairs) {
        Map<String, String> labels = new HashMap<>(ownership);
        for (int i = 0; i < pairs.length; i += 2) {
            labels.put(pairs[i], pairs[i + 1]);
        }
        return labels;
    }

    Outcome execute(Step step) throws EngineException {
        // Java 17 has no pattern switch: an instanceof chain over the sealed Step, ending in an error.
        if (step instanceof Step.PullImage pull) {
            Logger.info("pulling {} for service {}", pull.image(), pull.service());
            pullImage(pull);
            return new Outcome(EventType.PULLED, "pulled " + pull.image());
        }
        if (step instanceof Step.CreateVolume create) {
            Logger.info("creating volume {}", create.volume().name());
            engine.createVolume(create.volume(), labels(Labels.SERVICE, create.service()));
            return new Outcome(EventType.CREATED, "created volume " + create.volume().name());
        }
        if (step instanceof Step.CreateNetwork create) {
            Logger.info("creating network {}", create.network().name());
            engine.createNetwork(create.network(), labels());
            return new Outcome(EventType.CREATED, "created network " + create.network().name());
        }
        if (step instanceof Step.RemoveNetwork remove) {
            Logger.info("removing network {}", remove.name());
            engine.removeNetwork(remove.name());
            return new Outcome(EventType.REMOVED, "removed network " + remove.name());
        }
        if (step instanceof Step.CreateContainer create) {
            ServiceSpec spec = create.spec();
            Logger.info("creating container {} for service {}", spec.containerName(), spec.describe());
            // the hash is the desired spec's, whose relative binds stay relative
            String id = engine.createContainer(defaults.apply(spec), create.inheritedVolumes(), labels(
                    Labels.SERVICE, spec.name(),
                    Labels.HASH, spec.hash(),
                    Labels.REVISION, Long.toString(create.revision())));
            return new Outcome(EventType.CREATED, "created container " + spec.containerName() + " (" + shortId(id) + ")");
        }
        if (step instanceof Step.StartContainer start) {
            Logger.info("starting container {} of service {}", shortId(start.containerId()), start.service());
            engine.start(start.containerId());
            return new Outcome(EventType.STARTED, "started container " + shortId(start.containerId()));
        }
        if (step instanceof Step.StopContainer stop) {
            Logger.info("stopping container {} of service {}", shortId(stop.containerId()), stop.service());
            engine.stop(stop.containerId(), stop.grace());
            return new Outcome(EventType.STOPPED, "stopped container " + shortId(stop.containerId()));
        }
        if (step instanceof Step.RestartForDependency restart) {
            Logger.info("restarting container {} of service {}: its dependency {} was replaced",
                    shortId(restart.containerId()), restart.service(), restart.dependency());
            engine.stop(restart.containerId(), restart.grace());
            engine.start(restart.containerId());
            return new Outcome(EventType.STARTED, "restarted container " + shortId(restart.containerId()) + ": its dependency "
                    + restart.dependency() + " was replaced (depends_on restart: true)");
        }
        if (step instanceof Step.RestartContainer restart) {
            boolean unhealthy = restart.cause() == Step.RestartCause.UNHEALTHY;
            String why = unhealthy ? "it is unhealthy" : "asked for";
            if (unhealthy) {
                Logger.warn("service {} is unhealthy: restarting its container {}", restart.service(),
                        shortId(restart.containerId()));
            } else {
                Logger.info("restarting container {} of service {} on request", shortId(restart.containerId()),
                        restart.service());
            }
            engine.stop(restart.containerId(), restart.grace());
            engine.start(restart.containerId());
            return new Outcome(EventType.STARTED, "restarted container " + shortId(restart.containerId()) + ": "
                    + why);
        }
        if (step instanceof Step.RetireContainer retire) {
            Logger.info("stopping container {} of service {} and keeping it as {} until its replacement is good",
                    retire.containerName(), retire.service(), retire.keptName());
            engine.stop(retire.containerId(), retire.grace());
            engine.rename(retire.containerId(), retire.keptName());
            return new Outcome(EventType.STOPPED, "stopped container " + retire.containerName() + " and kept it as "
                    + retire.keptName() + " for a rollback");
        }
        if (step instanceof Step.RestoreContainer restore) {
            Logger.warn("bringing back the kept container {} of service {}", shortId(restore.containerId()),
                    restore.service());
            // started before the rename: a crash between the two leaves it running and still recognised as kept
            if (restore.start()) {
                engine.start(restore.containerId());
            }
            engine.rename(restore.containerId(), restore.containerName());
            return new Outcome(EventType.STARTED, "brought back the previous container " + restore.containerName()
                    + (restore.start() ? " and started it" : ""));
        }
        if (step instanceof Step.RemoveContainer remove) {
            Logger.info("removing container {} of service {}", remove.containerName(), remove.service());
            engine.stop(remove.containerId(), remove.grace());
            engine.remove(remove.containerId());
            return new Outcome(EventType.REMOVED, "removed container " + remove.containerName());
        }
        throw new IllegalStateException("no executor for step " + step);
    }

    private void pullImage(Step.PullImage pull) throws EngineException {
        if (pulls == null) {
            engine.pull(pull.image(), pull.auth());
        } else {
            pulls.pull(pull);
        }
    }

    static String shortId(String id) {
        return id != null && id.length() > 12 ? id.substring(0, 12) : id;
    }
}
