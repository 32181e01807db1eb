package io.berth.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.model.ContainerStatus;
import io.berth.model.DesiredState;
import io.berth.model.Health;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedState;
import io.berth.model.ServiceSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** depends_on ordering and terminal failures, as planner fixtures. */
class PlannerDependencyTest {

    /** The fixtures are about the planner, not the default network (SpecFixtures#desiredWithoutDefaultNetwork). */
    static io.berth.model.DesiredState desired(String json) {
        return io.berth.spec.SpecFixtures.desiredWithoutDefaultNetwork(json);
    }
    static final String IMAGE = "127.0.0.1:5000/demo/busybox:1";
    static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    static final DesiredState APP = desired("""
            {"revision": 3, "services": {
              "db": {"image": "%1$s", "healthcheck": {"test": ["CMD", "true"]}},
              "api": {"image": "%1$s", "depends_on": {"db": {"condition": "service_healthy"}}},
              "web": {"image": "%1$s", "depends_on": ["api"]},
              "init": {"image": "%1$s", "restart": "no"},
              "job": {"image": "%1$s", "depends_on": {"init": {"condition": "service_completed_successfully"}}}
            }}""".formatted(IMAGE));

    static ObservedContainer container(String service, String status, String health, Integer exitCode) {
        ServiceSpec spec = APP.services().get(service);
        return new ObservedContainer("id-" + service, spec.containerName(), true, service, spec.hash(), 3,
                ContainerStatus.of(status), Health.of(health), exitCode, null, 0, IMAGE, "sha256:aaaa", false);
    }

    static Set<String> started(List<ObservedContainer> containers) {
        Plan plan = Planner.nextSteps(APP, new ObservedState(containers, Map.of(), Map.of(IMAGE, "sha256:aaaa")),
                new PlanContext(NOW, Map.of()));
        Set<String> services = new java.util.TreeSet<>();
        plan.steps().stream().filter(s -> s instanceof Step.StartContainer).forEach(s -> services.add(s.service()));
        return services;
    }

    @Test
    void everythingCreatedOnlyTheServicesWithoutDependenciesStart() {
        Set<String> started = started(List.of(container("db", "created", "none", null),
                container("api", "created", "none", null), container("web", "created", "none", null),
                container("init", "created", "none", null), container("job", "created", "none", null)));
        assertEquals(Set.of("db", "init"), started);
    }

    @Test
    void aHealthyConditionWaitsForHealthyNotJustRunning() {
        List<ObservedContainer> starting = List.of(container("db", "running", "starting", null),
                container("api", "created", "none", null), container("web", "created", "none", null),
                container("init", "exited", "none", 0), container("job", "created", "none", null));
        assertEquals(Set.of("job"), started(starting), "api waits for db to be healthy; job's init finished");

        List<ObservedContainer> healthy = List.of(container("db", "running", "healthy", null),
                container("api", "created", "none", null), container("web", "created", "none", null),
                container("init", "exited", "none", 0), container("job", "running", "none", null));
        assertEquals(Set.of("api"), started(healthy), "web still waits for api to run");
    }

    @Test
    void aFailedOneShotDependencyKeepsItsDependantWaiting() {
        Plan plan = Planner.nextSteps(APP, new ObservedState(List.of(container("init", "exited", "none", 1),
                container("job", "created", "none", null)), Map.of(), Map.of(IMAGE, "sha256:aaaa")),
                new PlanContext(NOW, Map.of()));
        assertTrue(plan.steps().stream().noneMatch(s -> "job".equals(s.service()) && s instanceof Step.StartContainer));
        assertTrue(plan.waiting(), "a dependant that waits keeps the plan unsettled");
    }

    @Test
    void aServiceGivenUpOnGetsNoStepAndDoesNotKeepThePlanWaiting() {
        DesiredState single = desired("""
                {"revision": 4, "services": {"ghost": {"image": "127.0.0.1:5000/demo/nope:1"}}}""");
        Plan plan = Planner.nextSteps(single, new ObservedState(List.of(), Map.of(), Map.of()),
                new PlanContext(NOW, Map.of(FailureKey.service("ghost"), Instant.MAX), Set.of(FailureKey.service("ghost"))));
        assertTrue(plan.steps().isEmpty());
        assertFalse(plan.waiting());
        assertTrue(plan.settled());
    }

    @Test
    void pullPolicyNeverBlocksInsteadOfPulling() {
        DesiredState offline = desired("""
                {"revision": 5, "services": {"local": {"image": "127.0.0.1:5000/demo/busybox:9", "pull_policy": "never"}}}""");
        Plan plan = Planner.nextSteps(offline, new ObservedState(List.of(), Map.of(), Map.of()),
                new PlanContext(NOW, Map.of()));
        assertTrue(plan.steps().isEmpty(), plan.steps().toString());
        assertTrue(plan.blocked().get("local").contains("pull_policy is 'never'"), plan.blocked().toString());
    }
}
