package io.berth.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import io.berth.engine.EngineEvent;
import io.berth.model.Health;
import io.berth.model.Labels;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Reads the engine's container events: {@code die} (with its exit code, and whether an
 * {@code oom} came first for that container), {@code health_status: X}, and the {@code oom} and
 * {@code kill} that tell a death's cause. One per stream.
 */
final class EngineEvents {
    private static final String HEALTH_STATUS = "health_status: ";
    /** Containers with an {@code oom} event whose {@code die} has not come yet (a handful at most). */
    private final Set<String> outOfMemory = ConcurrentHashMap.newKeySet();
    /**
     * Containers the engine itself sent SIGKILL ({@code docker stop} past its grace period,
     * {@code docker kill}) whose {@code die} has not come yet: their 137 is that kill, not the kernel's.
     */
    private final Set<String> killedByEngine = ConcurrentHashMap.newKeySet();

    /**
     * Follows the engine's events for the containers carrying {@code ownership}; a {@code die}
     * also reads the container's own OOM flag when no {@code oom} event came first.
     */
    static AutoCloseable watch(DockerClient client, Map<String, String> ownership, Consumer<EngineEvent> onEvent,
                               Consumer<Throwable> onBroken) {
        EngineEvents events = new EngineEvents();
        ResultCallback.Adapter<Event> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Event event) {
                EngineEvent read = events.read(event);
                if (read.kind() == EngineEvent.Kind.DIED && read.containerId() != null) {
                    int looks = events.looks(read);
                    // the oom event does not always come before die (not at all under some nested
                    // cgroup setups): the container's own state says it too
                    if (!read.oom() && oomKilled(client, read.containerId(), looks)) {
                        read = new EngineEvent(read.containerId(), read.service(), read.action(), read.kind(),
                                read.revision(), read.exitCode(), true, read.health());
                    }
                }
                onEvent.accept(read);
            }

            @Override
            public void onError(Throwable error) {
                onBroken.accept(error);
            }

            @Override
            public void onComplete() {
                onBroken.accept(new IOException("the engine closed its event stream"));
            }
        };
        return client.eventsCmd()
                .withEventTypeFilter(EventType.CONTAINER)
                .withLabelFilter(ownership)
                .exec(callback);
    }

    /**
     * How often to read a dead container's OOM flag. dockerd marks it when containerd's oom event
     * reaches it, which can come just after the exit (seen on a loaded machine: {@code die} with
     * 137, OOMKilled still false): a kill (137) the engine did not send itself is looked at again
     * for up to 2 s (this holds up the event stream meanwhile, so not for every {@code docker stop}
     * of a container that ignores SIGTERM); other exits are read once.
     */
    int looks(EngineEvent died) {
        boolean byEngine = killedByEngine.remove(String.valueOf(died.containerId()));
        return Integer.valueOf(137).equals(died.exitCode()) && !byEngine ? 11 : 1;
    }

    /** Whether the container's own state says it was killed for want of memory, read up to {@code looks} times. */
    private static boolean oomKilled(DockerClient client, String containerId, int looks) {
        for (int i = 0; i < looks; i++) {
            try {
                if (i > 0) {
                    Thread.sleep(200);
                }
                if (Boolean.TRUE.equals(client.inspectContainerCmd(containerId).exec().getState().getOOMKilled())) {
                    return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (RuntimeException e) {
                return false; // gone already: the event says what it can
            }
        }
        return false;
    }

    EngineEvent read(Event event) {
        var actor = event.getActor();
        Map<String, String> attributes = actor == null || actor.getAttributes() == null ? Map.of()
                : actor.getAttributes();
        String action = event.getAction() == null ? String.valueOf(event.getStatus()) : event.getAction();
        String id = event.getId() != null ? event.getId() : actor == null ? null : actor.getId();
        String service = attributes.get(Labels.SERVICE);
        long revision = parse(attributes.get(Labels.REVISION), 0L);
        if ("oom".equals(action)) {
            if (outOfMemory.size() < 1000) {
                outOfMemory.add(String.valueOf(id));
            }
            return new EngineEvent(id, service, action);
        }
        if ("kill".equals(action) && "9".equals(attributes.get("signal"))) {
            if (killedByEngine.size() < 1000) {
                killedByEngine.add(String.valueOf(id));
            }
            return new EngineEvent(id, service, action);
        }
        if ("die".equals(action)) {
            Long code = parse(attributes.get("exitCode"), null);
            return new EngineEvent(id, service, action, EngineEvent.Kind.DIED, revision,
                    code == null ? null : code.intValue(), outOfMemory.remove(String.valueOf(id)), null);
        }
        if (action.startsWith(HEALTH_STATUS)) {
            Health health = Health.of(action.substring(HEALTH_STATUS.length()).trim());
            return new EngineEvent(id, service, action, EngineEvent.Kind.HEALTH, revision, null, false, health);
        }
        return new EngineEvent(id, service, action);
    }

    private static Long parse(String value, Long otherwise) {
        try {
            return value == null ? otherwise : Long.valueOf(value.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
