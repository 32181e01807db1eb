package io.berth.spec;

import static org.junit.jupiter.api.Assertions.fail;

import io.berth.model.DesiredState;
import io.berth.model.ServiceSpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Builds model records the real way, through {@link DocumentParser}, for the unit tests of
 * spec, model and plan. Not a test class itself (no {@code Test} in the name).
 */
public final class SpecFixtures {
    private SpecFixtures() {}

    /** Parses a document that must be valid; fails the test with every error otherwise. */
    public static DesiredState desired(String json) {
        ParsedDocument parsed = DocumentParser.parseJson(json.getBytes(StandardCharsets.UTF_8));
        if (parsed instanceof ParsedDocument.Invalid invalid) {
            fail("expected a valid document, got errors:\n  " + invalid.errors().stream()
                    .map(SpecError::toString).collect(Collectors.joining("\n  ")) + "\ndocument: " + json);
        }
        return ((ParsedDocument.Valid) parsed).state();
    }

    /**
     * {@link #desired(String)} as documents were read before the default network: services that
     * name no network stay on the engine's default bridge. For planner fixtures that are about
     * something else, so their steps hold no CreateNetwork.
     */
    public static DesiredState desiredWithoutDefaultNetwork(String json) {
        DesiredState state = desired(json);
        java.util.SortedMap<String, ServiceSpec> services = new java.util.TreeMap<>();
        String defaultNetwork = state.networks().containsKey("default") ? state.networks().get("default").name() : null;
        state.services().forEach((name, spec) -> {
            java.util.SortedMap<String, io.berth.model.ServiceOptions.NetworkAttachment> networks =
                    new java.util.TreeMap<>(spec.options().networks());
            networks.remove(defaultNetwork);
            services.put(name, new ServiceSpec(spec.name(), spec.containerName(), spec.image(), spec.command(),
                    spec.entrypoint(), spec.environment(), spec.ports(), spec.mounts(), spec.restart(), spec.state(),
                    spec.options().withNetworks(networks)));
        });
        java.util.SortedMap<String, io.berth.model.NetworkSpec> networks = new java.util.TreeMap<>(state.networks());
        networks.remove("default");
        return new DesiredState(state.revision(), services, state.volumes(), state.registries(), networks,
                state.update(), state.agent());
    }

    /** Parses a document that must be invalid and returns its errors. */
    public static List<SpecError> errors(String json) {
        ParsedDocument parsed = DocumentParser.parseJson(json.getBytes(StandardCharsets.UTF_8));
        if (parsed instanceof ParsedDocument.Valid valid) {
            fail("expected errors, but the document is valid: " + valid.state() + "\ndocument: " + json);
        }
        return ((ParsedDocument.Invalid) parsed).errors();
    }

    /**
     * The service {@code name} of a revision-1 document holding just that service, given as the
     * JSON object of its options; the volumes {@code data}, {@code web-data} and {@code logs} are declared.
     */
    public static ServiceSpec service(String name, String serviceJson) {
        DesiredState state = desired("{\"revision\": 1, \"services\": {\"" + name + "\": " + serviceJson + "},"
                + " \"volumes\": {\"data\": {}, \"web-data\": {}, \"logs\": {}}}");
        return state.services().get(name);
    }

    /** {@link #service(String, String)} for a service named {@code web}. */
    public static ServiceSpec web(String serviceJson) {
        return service("web", serviceJson);
    }
}
