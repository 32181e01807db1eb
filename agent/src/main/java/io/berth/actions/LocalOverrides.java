package io.berth.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.model.DesiredState;
import io.berth.model.RunState;
import io.berth.model.ServiceSpec;
import io.berth.store.StateStore;
import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.tinylog.Logger;

/**
 * What a technician changed locally with {@code berth stop} and {@code berth start}: Berth's
 * {@code state} key of some services, for one revision. It is kept in the state dir
 * ({@code overrides.json}), so a stopped service stays stopped across agent restarts and
 * reboots, and it is dropped when a newer revision is accepted: the next document decides again.
 *
 * @param revision the accepted revision the overrides apply to; 0 for none
 */
public record LocalOverrides(long revision, SortedMap<String, RunState> states) {
    public static final LocalOverrides NONE = new LocalOverrides(0, new TreeMap<>());
    private static final ObjectMapper JSON = new ObjectMapper();

    public LocalOverrides {
        states = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(states));
    }

    /** The document with the overrides applied, when they were made for its revision; else unchanged. */
    public DesiredState applyTo(DesiredState state) {
        if (state.revision() != revision || states.isEmpty()) {
            return state;
        }
        SortedMap<String, ServiceSpec> services = new TreeMap<>(state.services());
        states.forEach((name, runState) -> services.computeIfPresent(name, (k, spec) -> spec.withState(runState)));
        return new DesiredState(state.revision(), services, state.volumes(), state.registries(), state.networks(),
                state.update(), state.agent());
    }

    /** These overrides with {@code services} set to {@code runState} for {@code forRevision} (older ones dropped). */
    public LocalOverrides with(long forRevision, Collection<String> services, RunState runState) {
        SortedMap<String, RunState> next = new TreeMap<>(forRevision == revision ? states : Map.of());
        services.forEach(s -> next.put(s, runState));
        return new LocalOverrides(forRevision, next);
    }

    /** The overrides stored for {@code revision} (the accepted one at start); older ones are removed. */
    public static LocalOverrides restore(StateStore store, long revision) {
        try {
            LocalOverrides stored = store.loadOverrides().map(LocalOverrides::parse).orElse(NONE);
            if (stored.revision() == revision) {
                if (!stored.states().isEmpty()) {
                    Logger.info("local overrides for revision {}: {}", revision, stored.states());
                }
                return stored;
            }
            store.saveOverrides(null);
        } catch (IOException e) {
            Logger.warn("cannot read the local overrides in {}: {}", store.dir(), e.getMessage());
        }
        return NONE;
    }

    /** What holds once {@code accepted} is the accepted revision: these, or none for a newer revision (removed). */
    public LocalOverrides replacedBy(long accepted, StateStore store) {
        if (revision == accepted) {
            return this;
        }
        if (!states.isEmpty()) {
            Logger.info("revision {} replaces the local overrides {}", accepted, states);
        }
        try {
            store.saveOverrides(null);
        } catch (IOException e) {
            Logger.warn("cannot remove the local overrides in {}: {}", store.dir(), e.getMessage());
        }
        return NONE;
    }

    public byte[] toJson() {
        ObjectNode node = JSON.createObjectNode().put("revision", revision);
        ObjectNode services = node.putObject("services");
        states.forEach((name, state) -> services.put(name, state.keyword()));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads what {@link #toJson} wrote; unreadable content counts as none. */
    public static LocalOverrides parse(byte[] json) {
        try {
            JsonNode node = JSON.readTree(json);
            SortedMap<String, RunState> states = new TreeMap<>();
            node.path("services").fields().forEachRemaining(e -> {
                RunState state = RunState.fromKeyword(e.getValue().asText());
                if (state != null) {
                    states.put(e.getKey(), state);
                }
            });
            return new LocalOverrides(node.path("revision").asLong(), states);
        } catch (IOException | RuntimeException e) {
            return NONE;
        }
    }
}
