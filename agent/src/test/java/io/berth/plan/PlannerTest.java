package io.berth.plan;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.berth.model.ContainerStatus;
import io.berth.model.DesiredState;
import io.berth.model.Health;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedState;
import io.berth.model.ObservedVolume;
import io.berth.model.RegistryAuth;
import io.berth.model.Secret;
import io.berth.model.ServiceSpec;
import io.berth.plan.Step.CreateContainer;
import io.berth.plan.Step.CreateVolume;
import io.berth.plan.Step.PullImage;
import io.berth.model.UpdatePolicy;
import io.berth.plan.Step.RemoveContainer;
import io.berth.plan.Step.RestoreContainer;
import io.berth.plan.Step.RetireContainer;
import io.berth.plan.Step.StartContainer;
import io.berth.plan.Step.StopContainer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table fixtures over {@code Planner.nextSteps(desired, observed, context)}: hand-built observed
 * states, desired states parsed from documents. No daemon, no clock, no sleeping.
 */
class PlannerTest {

    /** The fixtures are about the planner, not the default network (SpecFixtures#desiredWithoutDefaultNetwork). */
    static io.berth.model.DesiredState desired(String json) {
        return io.berth.spec.SpecFixtures.desiredWithoutDefaultNetwork(json);
    }

    static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    static final PlanContext NO_BACKOFF = new PlanContext(NOW, Map.of());
    static final String IMAGE = "127.0.0.1:5000/demo/busybox:1";
    static final String IMAGE_2 = "127.0.0.1:5000/demo/busybox:2";

    /** The demo: one service with a named volume, restarted unless stopped. */
    static final DesiredState DEMO = desired("""
            {"revision": 7,
             "services": {"web": {"image": "%s", "command": ["httpd", "-f", "-p", "80"],
                                  "ports": ["127.0.0.1:18080:80"], "volumes": ["web-data:/data"],
                                  "restart": "unless-stopped"}},
             "volumes": {"web-data": {}},
             "registries": {"127.0.0.1:5000": {"username": "u", "password": "p"}}}""".formatted(IMAGE));
    static final ServiceSpec WEB = DEMO.services().get("web");
    /** Revision 8: the same service on a new image. */
    static final DesiredState DEMO_V2 = desired("""
            {"revision": 8,
             "services": {"web": {"image": "%s", "command": ["httpd", "-f", "-p", "80"],
                                  "ports": ["127.0.0.1:18080:80"], "volumes": ["web-data:/data"],
                                  "restart": "unless-stopped"}},
             "volumes": {"web-data": {}}}""".formatted(IMAGE_2));
    static final DesiredState NOTHING_DESIRED = desired("{\"revision\": 9, \"services\": {}}");

    // ---- observed-state builders ---------------------------------------------------------------

    static ObservedContainer managed(String id, String name, ServiceSpec spec, String status) {
        return managed(id, name, spec.name(), spec.hash(), status, null);
    }

    static ObservedContainer managed(String id, String name, String service, String hash, String status,
                                     Integer exitCode) {
        return new ObservedContainer(id, name, true, service, hash, 7, ContainerStatus.of(status), Health.NONE, exitCode,
                "2026-11-22T09:00:00Z", 0, IMAGE, "sha256:aaaa", false);
    }

    static ObservedContainer exited(ServiceSpec spec, int exitCode) {
        return managed("c-" + spec.name(), spec.containerName(), spec.name(), spec.hash(), "exited", exitCode);
    }

    static ObservedContainer unmanaged(String id, String name, String status) {
        return new ObservedContainer(id, name, false, null, null, 0, ContainerStatus.of(status), Health.NONE, null, null, 0,
                "nginx",
                "sha256:bbbb", false);
    }

    static ObservedVolume managedVolume(String name) {
        return new ObservedVolume(name, true, "web");
    }

    static ObservedVolume unmanagedVolume(String name) {
        return new ObservedVolume(name, false, null);
    }

    /** Observed state from containers, volumes and image references (each present image gets a fake id). */
    static ObservedState observed(List<ObservedContainer> containers, List<ObservedVolume> volumes,
                                  String... images) {
        Map<String, ObservedVolume> vols = new LinkedHashMap<>();
        volumes.forEach(v -> vols.put(v.name(), v));
        Map<String, String> imgs = new LinkedHashMap<>();
        Arrays.stream(images).forEach(i -> imgs.put(i, "sha256:" + Integer.toHexString(i.hashCode())));
        return new ObservedState(containers, vols, imgs);
    }

    static Plan plan(DesiredState desired, ObservedState observed) {
        return Planner.nextSteps(desired, observed, NO_BACKOFF);
    }

    static RemoveContainer removal(ObservedContainer c, String service) {
        return new RemoveContainer(service, c.id(), c.name(), Planner.STOP_GRACE);
    }

    static RetireContainer retiral(ObservedContainer c, String service) {
        return new RetireContainer(service, c.id(), c.name(), Planner.keptName(c.name()), Planner.STOP_GRACE);
    }

    /** The same document with update.rollback false: replaced containers are removed, not kept. */
    static DesiredState withoutRollback(DesiredState d) {
        return d.withUpdate(new UpdatePolicy(UpdatePolicy.DOWNLOAD_THEN_KILL, false, null));
    }

    // ---- fixtures ------------------------------------------------------------------------------

    @Nested
    class FromAnEmptyEngine {

        @Test
        void imageAbsentCreatesTheVolumeAndPulls() {
            Plan plan = plan(DEMO, ObservedState.NOTHING);
            RegistryAuth auth = new RegistryAuth("127.0.0.1:5000", "u", new Secret("p"));
            assertEquals(List.of(
                    new CreateVolume(DEMO.volumes().get("web-data"), "web"),
                    new PullImage("web", IMAGE, auth)), plan.steps());
            assertEquals(Map.of(), plan.blocked());
            assertFalse(plan.waiting());
            assertFalse(plan.settled());
        }

        @Test
        void imagePresentButVolumeAbsentCreatesTheVolumeFirst() {
            Plan plan = plan(DEMO, observed(List.of(), List.of(), IMAGE));
            assertEquals(List.of(new CreateVolume(DEMO.volumes().get("web-data"), "web")), plan.steps(),
                    "the container waits until its volume exists");
        }

        @Test
        void imageAndVolumePresentCreatesTheContainer() {
            Plan plan = plan(DEMO, observed(List.of(), List.of(managedVolume("web-data")), IMAGE));
            assertEquals(List.of(new CreateContainer(WEB, 7)), plan.steps());
            assertFalse(plan.settled());
        }

        @Test
        void aServiceWithoutVolumesIsCreatedAtOnce() {
            DesiredState d = desired("{\"revision\": 2, \"services\": {\"aa\": {\"image\": \"busybox\"}}}");
            assertEquals(List.of(new CreateContainer(d.services().get("aa"), 2)),
                    plan(d, observed(List.of(), List.of(), "busybox")).steps());
        }

        @Test
        void aVolumeNoServiceMountsIsStillCreated() {
            DesiredState d = desired("{\"revision\": 2, \"services\": {}, \"volumes\": {\"spare\": {}}}");
            assertEquals(List.of(new CreateVolume(d.volumes().get("spare"), "")),
                    plan(d, ObservedState.NOTHING).steps());
        }

        @Test
        void independentServicesProceedTogether() {
            DesiredState d = desired("""
                    {"revision": 3, "services": {"aa": {"image": "busybox"}, "bb": {"image": "alpine"},
                                                 "cc": {"image": "busybox"}}}""");
            Plan plan = plan(d, observed(List.of(), List.of(), "busybox"));
            assertEquals(List.of(
                    new CreateContainer(d.services().get("aa"), 3),
                    new PullImage("bb", "alpine", null),
                    new CreateContainer(d.services().get("cc"), 3)), plan.steps());
        }

        @Test
        void emptyDesiredOnAnEmptyEngineIsSettled() {
            Plan plan = plan(NOTHING_DESIRED, ObservedState.NOTHING);
            assertTrue(plan.settled());
            assertTrue(plan.steps().isEmpty());
        }
    }

    @Nested
    class WithTheServiceInPlace {
        final ObservedVolume volume = managedVolume("web-data");

        @Test
        void createdButNotStartedIsStarted() {
            ObservedContainer c = managed("c1", "web", WEB, "created");
            assertEquals(List.of(new StartContainer("web", "c1")),
                    plan(DEMO, observed(List.of(c), List.of(volume), IMAGE)).steps());
        }

        @Test
        void runningWithTheSameHashNeedsNothing() {
            ObservedContainer c = managed("c1", "web", WEB, "running");
            Plan plan = plan(DEMO, observed(List.of(c), List.of(volume), IMAGE));
            assertEquals(List.of(), plan.steps());
            assertEquals(Map.of(), plan.blocked());
            assertTrue(plan.settled());
        }

        @Test
        void runningWithTheSameHashNeedsNothingEvenIfTheImageIsNotListed() {
            // the image was pulled under the old revision and is not re-checked while the hash holds
            ObservedContainer c = managed("c1", "web", WEB, "running");
            assertTrue(plan(DEMO, observed(List.of(c), List.of(volume))).settled());
        }

        @Test
        void newImageAbsentPullsWhileTheOldContainerKeepsRunning() {
            ObservedContainer old = managed("c1", "web", WEB, "running");
            Plan plan = plan(DEMO_V2, observed(List.of(old), List.of(volume), IMAGE));
            assertEquals(List.of(new PullImage("web", IMAGE_2, null)), plan.steps(), "download-then-kill");
        }

        @Test
        void newImagePresentKeepsTheOldContainerThenCreatesTheNewOne() {
            ObservedContainer old = managed("c1", "web", WEB, "running");
            Plan first = plan(DEMO_V2, observed(List.of(old), List.of(volume), IMAGE, IMAGE_2));
            assertEquals(List.of(retiral(old, "web")), first.steps());

            ObservedContainer kept = managed("c1", "web-berth-previous", WEB, "exited");
            Plan second = plan(DEMO_V2, observed(List.of(kept), List.of(volume), IMAGE, IMAGE_2));
            assertEquals(List.of(new CreateContainer(DEMO_V2.services().get("web"), 8)), second.steps());
        }

        @Test
        void withoutRollbackTheOldContainerIsKeptOnlyUntilItsReplacementExists() {
            ObservedContainer old = managed("c1", "web", WEB, "running");
            Plan plan = plan(withoutRollback(DEMO_V2), observed(List.of(old), List.of(volume), IMAGE, IMAGE_2));
            assertEquals(List.of(retiral(old, "web")), plan.steps(), "kept: the replacement takes its anonymous volumes");

            ObservedContainer kept = new ObservedContainer("c1", "web-berth-previous", true, "web", WEB.hash(), 7,
                    ContainerStatus.EXITED, Health.NONE, 0, null, 0, IMAGE, "sha256:aaaa", false,
                    Map.of("/var/lib/db", "3f2a"));
            Plan create = plan(withoutRollback(DEMO_V2), observed(List.of(kept), List.of(volume), IMAGE, IMAGE_2));
            assertEquals(List.of(new CreateContainer(DEMO_V2.services().get("web"), 8, Map.of("/var/lib/db", "3f2a"))),
                    create.steps());

            ObservedContainer fresh = managed("c2", "web", "web", DEMO_V2.services().get("web").hash(), "created", null);
            Plan next = plan(withoutRollback(DEMO_V2), observed(List.of(kept, fresh), List.of(volume), IMAGE, IMAGE_2));
            assertEquals(List.of(removal(kept, "web"), new StartContainer("web", "c2")), next.steps(),
                    "without rollback the kept container goes as soon as its replacement exists");
        }

        @Test
        void theKeptContainerStaysUntilTheReplacementHasRunAWhileThenGoes() {
            ServiceSpec v2 = DEMO_V2.services().get("web");
            ObservedContainer kept = managed("c1", "web-berth-previous", WEB, "exited");
            ObservedContainer fresh = new ObservedContainer("c2", "web", true, "web", v2.hash(), 8,
                    ContainerStatus.RUNNING, Health.NONE, null, NOW.minusSeconds(2).toString(), 0, IMAGE_2,
                    "sha256:bbbb", false);
            // seen running (monotonic time) 2 s ago
            Plan early = Planner.nextSteps(DEMO_V2, observed(List.of(kept, fresh), List.of(volume), IMAGE, IMAGE_2),
                    NO_BACKOFF.withGoodSince(Map.of("c2", NOW.minusSeconds(2))));
            assertEquals(List.of(), early.steps(), "on trial: a container that crashes at once is not good");
            assertTrue(early.waiting(), "not converged while a kept container is left");
            assertEquals(NOW.plusSeconds(3), early.wakeAt(), "looks again when the replacement has run 5 s");

            Plan later = Planner.nextSteps(DEMO_V2, observed(List.of(kept, fresh), List.of(volume), IMAGE, IMAGE_2),
                    new PlanContext(NOW.plusSeconds(3), Map.of()).withGoodSince(Map.of("c2", NOW.minusSeconds(2))));
            assertEquals(List.of(removal(kept, "web")), later.steps());
        }

        @Test
        void aHealthyReplacementIsGoodAtOnce() {
            ServiceSpec v2 = DEMO_V2.services().get("web");
            ObservedContainer kept = managed("c1", "web-berth-previous", WEB, "exited");
            ObservedContainer fresh = new ObservedContainer("c2", "web", true, "web", v2.hash(), 8,
                    ContainerStatus.RUNNING, Health.HEALTHY, null, NOW.toString(), 0, IMAGE_2, "sha256:bbbb", false);
            assertEquals(List.of(removal(kept, "web")),
                    plan(DEMO_V2, observed(List.of(kept, fresh), List.of(volume), IMAGE, IMAGE_2)).steps());
        }

        @Test
        void aRollbackRemovesTheReplacementAndBringsTheKeptContainerBack() {
            // the target is revision 7 again; the engine holds 8's container and 7's kept one
            ServiceSpec v2 = DEMO_V2.services().get("web");
            ObservedContainer kept = managed("c1", "web-berth-previous", WEB, "exited");
            ObservedContainer failed = managed("c2", "web", "web", v2.hash(), "exited", 1);
            Plan first = plan(DEMO, observed(List.of(kept, failed), List.of(volume), IMAGE, IMAGE_2));
            assertEquals(List.of(removal(failed, "web")), first.steps());

            Plan second = plan(DEMO, observed(List.of(kept), List.of(volume), IMAGE, IMAGE_2));
            assertEquals(List.of(new RestoreContainer("web", "c1", "web", true)), second.steps());
        }

        @Test
        void aNewerRevisionDuringATrialKeepsTheOlderKeptContainer() {
            // 8 is on trial (kept: 7's); revision 9 arrives: 8's container goes, 7's stays the way back
            DesiredState v3 = desired("""
                    {"revision": 9, "services": {"web": {"image": "%s", "command": ["httpd", "-f", "-p", "81"]}},
                     "volumes": {"web-data": {}}}""".formatted(IMAGE_2));
            ServiceSpec v2 = DEMO_V2.services().get("web");
            ObservedContainer kept = managed("c1", "web-berth-previous", WEB, "exited");
            ObservedContainer trial = managed("c2", "web", "web", v2.hash(), "running", null);
            assertEquals(List.of(removal(trial, "web")),
                    plan(v3, observed(List.of(kept, trial), List.of(volume), IMAGE, IMAGE_2)).steps());
        }

        @Test
        void killThenDownloadStopsTheOldContainerBeforeThePull() {
            DesiredState killFirst = DEMO_V2.withUpdate(new UpdatePolicy(UpdatePolicy.KILL_THEN_DOWNLOAD, true, null));
            ObservedContainer old = managed("c1", "web", WEB, "running");
            Plan plan = plan(killFirst, observed(List.of(old), List.of(volume), IMAGE));
            assertEquals(List.of(retiral(old, "web")), plan.steps());
        }

        @Test
        void downloadThenKillReplacesNothingUntilEveryNewImageIsHere() {
            DesiredState two = desired("""
                    {"revision": 8, "services": {"aa": {"image": "%s"}, "bb": {"image": "%s"}}}"""
                    .formatted(IMAGE_2, "127.0.0.1:5000/demo/other:2"));
            ObservedContainer aa = managed("c1", "aa", "aa", "0ld", "running", null);
            ObservedContainer bb = managed("c2", "bb", "bb", "0ld", "running", null);
            Plan plan = plan(two, observed(List.of(aa, bb), List.of(), IMAGE_2));
            assertEquals(List.of(new PullImage("bb", "127.0.0.1:5000/demo/other:2", null)), plan.steps(),
                    "aa's image is here, but aa is replaced only once bb's is too");
            assertTrue(plan.waiting());
        }

        @Test
        void aKeptNameHeldByAnUnmanagedContainerBlocksTheUpdate() {
            ObservedContainer old = managed("c1", "web", WEB, "running");
            ObservedContainer squatter = unmanaged("u1", "web-berth-previous", "exited");
            Plan plan = plan(DEMO_V2, observed(List.of(old, squatter), List.of(volume), IMAGE, IMAGE_2));
            assertEquals(List.of(), plan.steps(), "never removed or renamed");
            assertTrue(plan.blocked().get("web").contains("web-berth-previous"), plan.blocked()::toString);
        }

        @Test
        void pullPolicyAlwaysPullsOncePerRevisionAndReplacesOnANewImage() {
            DesiredState always = desired("""
                    {"revision": 8, "services": {"web": {"image": "%s", "pull_policy": "always"}}}""".formatted(IMAGE));
            ServiceSpec spec = always.services().get("web");
            ObservedContainer c = managed("c1", "web", spec, "running"); // runs image sha256:aaaa
            Plan first = plan(always, observed(List.of(c), List.of(), IMAGE));
            assertEquals(List.of(new PullImage("web", IMAGE, null)), first.steps());

            PlanContext pulled = new PlanContext(NOW, Map.of(), java.util.Set.of(), java.util.Set.of(IMAGE), null);
            ObservedState sameImage = new ObservedState(List.of(c), Map.of(), Map.of(IMAGE, "sha256:aaaa"));
            assertTrue(Planner.nextSteps(always, sameImage, pulled).settled(), "the same image: nothing to do");
            ObservedState newImage = new ObservedState(List.of(c), Map.of(), Map.of(IMAGE, "sha256:cccc"));
            assertEquals(List.of(retiral(c, "web")), Planner.nextSteps(always, newImage, pulled).steps());
            ObservedContainer kept = managed("c1", "web-berth-previous", spec, "exited");
            ObservedState replaced = new ObservedState(List.of(kept), Map.of(), Map.of(IMAGE, "sha256:cccc"));
            assertEquals(List.of(new CreateContainer(spec, 8)), Planner.nextSteps(always, replaced, pulled).steps(),
                    "the kept container runs the old image: it is not brought back");
        }

        @Test
        void dependantsStopBeforeWhatTheyDependOn() {
            DesiredState d = desired("""
                    {"revision": 8, "services": {"db": {"image": "%1$s"},
                     "app": {"image": "%1$s", "depends_on": ["db"]}}}""".formatted(IMAGE_2));
            ObservedContainer db = managed("c1", "db", "db", "0ld", "running", null);
            ObservedContainer app = managed("c2", "app", "app", "0ld", "running", null);
            Plan first = plan(d, observed(List.of(db, app), List.of(), IMAGE_2));
            assertEquals(List.of(retiral(app, "app")), first.steps(), "app stops first");
            assertTrue(first.waiting());

            ObservedContainer appKept = managed("c2", "app-berth-previous", "app", "0ld", "exited", 0);
            Plan second = plan(d, observed(List.of(db, appKept), List.of(), IMAGE_2));
            assertTrue(second.steps().contains(retiral(db, "db")), second::toString);
        }

        @Test
        void aDependencyTurnedAroundDoesNotHoldEveryStopBack() {
            DesiredState before = desired("""
                    {"revision": 7, "services": {"aa": {"image": "busybox", "depends_on": ["bb"]},
                     "bb": {"image": "busybox"}}}""");
            DesiredState after = desired("""
                    {"revision": 8, "services": {"aa": {"image": "%1$s"},
                     "bb": {"image": "%1$s", "depends_on": ["aa"]}}}""".formatted(IMAGE_2));
            ObservedContainer aa = managed("c1", "aa", before.services().get("aa"), "running");
            ObservedContainer bb = managed("c2", "bb", before.services().get("bb"), "running");
            PlanContext ctx = new PlanContext(NOW, Map.of(), java.util.Set.of(), java.util.Set.of(), before);
            Plan plan = Planner.nextSteps(after, observed(List.of(aa, bb), List.of(), IMAGE_2), ctx);
            assertEquals(List.of(retiral(bb, "bb")), plan.steps(), "the new revision's order wins");
        }

        @Test
        void aKeptContainerIsBroughtBackOnlyOnceTheServicesOtherContainersAreGone() {
            // rolling back a container_name change: the replacement has another name than the kept one
            ObservedContainer kept = managed("c1", "web-berth-previous", WEB, "exited");
            ObservedContainer replacement = managed("c2", "web-2", "web", "0ther", "running", null);
            Plan first = plan(DEMO, observed(List.of(kept, replacement), List.of(volume), IMAGE));
            assertEquals(List.of(removal(replacement, "web")), first.steps());
            assertTrue(first.waiting());
        }

        @Test
        void aFinishedOneShotIsBroughtBackWithoutRunningItAgain() {
            DesiredState job = desired("""
                    {"revision": 7, "services": {"job": {"image": "busybox", "restart": "no"}}}""");
            ServiceSpec spec = job.services().get("job");
            ObservedContainer kept = managed("c1", "job-berth-previous", "job", spec.hash(), "exited", 0);
            assertEquals(List.of(new RestoreContainer("job", "c1", "job", false)),
                    plan(job, observed(List.of(kept), List.of(), "busybox")).steps());
        }

        @Test
        void aDependantAskingForItIsRestartedOnceItsReplacedDependencyRuns() {
            DesiredState d = desired("""
                    {"revision": 8, "services": {"db": {"image": "busybox"},
                     "app": {"image": "busybox", "depends_on": {"db": {"condition": "service_started",
                             "restart": true}}}}}""");
            ObservedContainer app = managed("c2", "app", d.services().get("app"), "running");
            ObservedContainer dbCreated = managed("c3", "db", d.services().get("db"), "created");
            PlanContext pending = new PlanContext(NOW, Map.of(), java.util.Set.of(), java.util.Set.of(), null,
                    Map.of("app", "db"), Map.of(), java.util.Set.of());
            Plan first = Planner.nextSteps(d, observed(List.of(app, dbCreated), List.of(), "busybox"), pending);
            assertEquals(List.of(new StartContainer("db", "c3")), first.steps(), "app waits for the new db");
            assertTrue(first.waiting());

            ObservedContainer dbRunning = managed("c3", "db", d.services().get("db"), "running");
            Plan second = Planner.nextSteps(d, observed(List.of(app, dbRunning), List.of(), "busybox"), pending);
            assertEquals(List.of(new Step.RestartForDependency("app", "c2", "db", Planner.STOP_GRACE)),
                    second.steps());
        }

        @Test
        void servicesLeavingTheDocumentStopInReverseOrderOfThePreviousRevision() {
            DesiredState before = desired("""
                    {"revision": 7, "services": {"db": {"image": "busybox"},
                     "app": {"image": "busybox", "depends_on": ["db"]}}}""");
            ObservedContainer db = managed("c1", "db", before.services().get("db"), "running");
            ObservedContainer app = managed("c2", "app", before.services().get("app"), "running");
            PlanContext ctx = new PlanContext(NOW, Map.of(), java.util.Set.of(), java.util.Set.of(), before);
            Plan plan = Planner.nextSteps(NOTHING_DESIRED, observed(List.of(db, app), List.of()), ctx);
            assertEquals(List.of(removal(app, "app")), plan.steps());
        }

        @Test
        void aConfigChangeWithTheSameImageReplacesTheContainer() {
            DesiredState changed = desired("""
                    {"revision": 8, "services": {"web": {"image": "%s", "command": ["httpd", "-f", "-p", "81"],
                     "ports": ["127.0.0.1:18080:80"], "volumes": ["web-data:/data"], "restart": "unless-stopped"}},
                     "volumes": {"web-data": {}}}""".formatted(IMAGE));
            ObservedContainer old = managed("c1", "web", WEB, "running");
            assertEquals(List.of(retiral(old, "web")),
                    plan(changed, observed(List.of(old), List.of(volume), IMAGE)).steps());
        }

        @Test
        void aServiceThatLeftTheDocumentIsRemovedButItsVolumeStays() {
            ObservedContainer c = managed("c1", "web", WEB, "running");
            Plan plan = plan(NOTHING_DESIRED, observed(List.of(c), List.of(volume), IMAGE));
            assertEquals(List.of(removal(c, "web")), plan.steps());
        }

        @Test
        void everyContainerOfARemovedServiceIsRemoved() {
            ObservedContainer a = managed("c1", "web", WEB, "running");
            ObservedContainer b = managed("c2", "web-old", WEB, "exited");
            Plan plan = plan(NOTHING_DESIRED, observed(List.of(a, b), List.of()));
            assertEquals(List.of(removal(a, "web"), removal(b, "web")), plan.steps());
        }

        @Test
        void aStrayManagedContainerOfTheServiceIsRemoved() {
            DesiredState renamed = desired("""
                    {"revision": 8, "services": {"web": {"image": "busybox", "container_name": "web-1"}}}""");
            ServiceSpec spec = renamed.services().get("web");
            ObservedContainer current = managed("c1", "web-1", spec, "running");
            ObservedContainer stray = managed("c0", "web", "web", "0ld", "exited", 0);
            Plan plan = plan(renamed, observed(List.of(stray, current), List.of(), "busybox"));
            assertEquals(List.of(removal(stray, "web")), plan.steps());
        }

        @Test
        void aStrayIsRemovedWhileTheRenamedContainerIsCreated() {
            DesiredState renamed = desired("""
                    {"revision": 8, "services": {"web": {"image": "busybox", "container_name": "web-1"}}}""");
            ObservedContainer stray = managed("c0", "web", "web", "0ld", "running", null);
            Plan plan = plan(renamed, observed(List.of(stray), List.of(), "busybox"));
            assertEquals(List.of(retiral(stray, "web"), new CreateContainer(renamed.services().get("web"), 8)),
                    plan.steps(), "the previous container under its old name is kept for a rollback");
            Plan noRollback = plan(withoutRollback(renamed), observed(List.of(stray), List.of(), "busybox"));
            assertEquals(List.of(removal(stray, "web"), new CreateContainer(renamed.services().get("web"), 8)),
                    noRollback.steps());
        }

        @Test
        void aNameHeldByAnotherServicesManagedContainerWaitsForItsRemoval() {
            // service "old" (container "web") left the document; the new service "web" wants the name
            ObservedContainer old = managed("c0", "web", "old", "0ld", "running", null);
            DesiredState d = desired("{\"revision\": 8, \"services\": {\"web\": {\"image\": \"busybox\"}}}");
            Plan first = plan(d, observed(List.of(old), List.of(), "busybox"));
            assertEquals(List.of(removal(old, "old")), first.steps());
            assertTrue(first.waiting());

            Plan second = plan(d, observed(List.of(), List.of(), "busybox"));
            assertEquals(List.of(new CreateContainer(d.services().get("web"), 8)), second.steps());
        }

        @Test
        void pullsCarryTheRegistryCredentials() {
            ObservedContainer old = managed("c1", "web", DEMO_V2.services().get("web"), "running");
            DesiredState withAuth = desired("""
                    {"revision": 9, "services": {"web": {"image": "%s"}},
                     "registries": {"127.0.0.1:5000": {"username": "u", "password": "p"}}}""".formatted(IMAGE_2));
            PullImage pull = (PullImage) plan(withAuth, observed(List.of(old), List.of())).steps().get(0);
            assertEquals(new RegistryAuth("127.0.0.1:5000", "u", new Secret("p")), pull.auth());
        }
    }

    @Nested
    class RunStateAndRestartPolicy {

        @Test
        void stoppedStopsARunningContainer() {
            DesiredState d = desired("""
                    {"revision": 2, "services": {"web": {"image": "busybox", "state": "stopped"}}}""");
            ServiceSpec spec = d.services().get("web");
            ObservedContainer c = managed("c1", "web", spec, "running");
            assertEquals(List.of(new StopContainer("web", "c1", Planner.STOP_GRACE)),
                    plan(d, observed(List.of(c), List.of(), "busybox")).steps());
        }

        @Test
        void theServicesStopGracePeriodIsTheStopsGrace() {
            DesiredState d = desired("""
                    {"revision": 2, "services": {"web": {"image": "busybox", "state": "stopped",
                     "stop_grace_period": "1m30s"}}}""");
            ObservedContainer c = managed("c1", "web", d.services().get("web"), "running");
            assertEquals(List.of(new StopContainer("web", "c1", Duration.ofSeconds(90))),
                    plan(d, observed(List.of(c), List.of(), "busybox")).steps());
        }

        @Test
        void stoppingDoesNotRecreate() {
            // the hash ignores state: a container created while running is only stopped
            DesiredState running = desired("{\"revision\": 2, \"services\": {\"web\": {\"image\": \"busybox\"}}}");
            DesiredState stopped = desired("""
                    {"revision": 3, "services": {"web": {"image": "busybox", "state": "stopped"}}}""");
            ObservedContainer c = managed("c1", "web", running.services().get("web"), "running");
            assertEquals(List.of(new StopContainer("web", "c1", Planner.STOP_GRACE)),
                    plan(stopped, observed(List.of(c), List.of(), "busybox")).steps());
        }

        @ParameterizedTest(name = "stopped service, container {0}")
        @CsvSource({"exited", "created", "dead"})
        void stoppedLeavesAContainerThatDoesNotRun(String status) {
            DesiredState d = desired("""
                    {"revision": 2, "services": {"web": {"image": "busybox", "state": "stopped",
                     "restart": "always"}}}""");
            ObservedContainer c = managed("c1", "web", d.services().get("web"), status);
            Plan plan = plan(d, observed(List.of(c), List.of(), "busybox"));
            assertTrue(plan.settled(), plan::toString);
        }

        @ParameterizedTest(name = "exited container, restart {0} -> start: {1}")
        @CsvSource({
                "no,             false",
                "on-failure,     false",
                "on-failure:3,   false",
                "always,         true",
                "unless-stopped, true"})
        void anExitedContainerIsStartedOnlyWhereItsRestartPolicyKeepsItRunning(String restart, boolean start) {
            DesiredState d = desired("""
                    {"revision": 2, "services": {"web": {"image": "busybox", "restart": "%s"}}}""".formatted(restart));
            ObservedContainer c = exited(d.services().get("web"), 137);
            Plan plan = plan(d, observed(List.of(c), List.of(), "busybox"));
            assertEquals(start ? List.of(new StartContainer("web", c.id())) : List.of(), plan.steps());
        }

        @ParameterizedTest(name = "container {0}")
        @CsvSource({"running", "restarting", "paused", "removing"})
        void nothingIsStartedThatIsAlreadyRunningOrGoing(String status) {
            ObservedContainer c = managed("c1", "web", WEB, status);
            Plan plan = plan(DEMO, observed(List.of(c), List.of(managedVolume("web-data")), IMAGE));
            assertEquals(List.of(), plan.steps());
        }
    }

    @Nested
    class ThingsBerthDoesNotOwn {

        @Test
        void anUnmanagedContainerWithTheServicesNameBlocksTheService() {
            ObservedContainer theirs = unmanaged("u1", "web", "running");
            Plan plan = plan(DEMO, observed(List.of(theirs), List.of(managedVolume("web-data")), IMAGE));
            assertEquals(List.of(), plan.steps());
            assertEquals(List.of("web"), List.copyOf(plan.blocked().keySet()));
            String why = plan.blocked().get("web");
            assertTrue(why.contains("'web'") && why.contains("not managed"), why);
            assertTrue(plan.settled(), "blocked is not waiting: nothing will change until someone acts");
        }

        @Test
        void theBlockedServiceDoesNotHoldUpTheOthers() {
            DesiredState d = desired("""
                    {"revision": 2, "services": {"web": {"image": "busybox"}, "api": {"image": "busybox"}}}""");
            Plan plan = plan(d, observed(List.of(unmanaged("u1", "web", "exited")), List.of(), "busybox"));
            assertEquals(List.of(new CreateContainer(d.services().get("api"), 2)), plan.steps());
            assertEquals(List.of("web"), List.copyOf(plan.blocked().keySet()));
        }

        @ParameterizedTest
        @MethodSource("io.berth.plan.PlannerTest#documents")
        void anUnmanagedContainerIsNeverInAnyStep(DesiredState desired) {
            for (String status : List.of("created", "running", "exited", "dead", "paused")) {
                for (String name : List.of("web", "api", "other")) {
                    ObservedContainer theirs = unmanaged("u-" + name, name, status);
                    ObservedContainer ours = managed("m1", "web-old", "web", "0ld", "exited", 1);
                    for (List<ObservedContainer> containers : List.of(List.of(theirs), List.of(theirs, ours))) {
                        for (ObservedState observed : List.of(
                                observed(containers, List.of(), IMAGE, IMAGE_2, "busybox"),
                                observed(containers, List.of(managedVolume("web-data")), IMAGE, IMAGE_2, "busybox"),
                                observed(containers, List.of()))) {
                            Plan plan = plan(desired, observed);
                            for (Step step : plan.steps()) {
                                assertFalse(touches(step, theirs), () -> "step " + step + " touches the unmanaged "
                                        + theirs + "\n desired " + desired + "\n observed " + observed);
                            }
                        }
                    }
                }
            }
        }

        @Test
        void anUnmanagedVolumeBlocksTheServicesMountingItAndIsNotCreated() {
            DesiredState d = desired("""
                    {"revision": 2, "services": {"web": {"image": "busybox", "volumes": ["data:/data"]},
                                                 "worker": {"image": "busybox", "volumes": ["data:/in:ro"]},
                                                 "api": {"image": "busybox"}},
                     "volumes": {"data": {}}}""");
            Plan plan = plan(d, observed(List.of(), List.of(unmanagedVolume("data")), "busybox"));
            assertEquals(List.of(new CreateContainer(d.services().get("api"), 2)), plan.steps(),
                    "no CreateVolume, and only the service that does not mount it proceeds");
            assertEquals(List.of("web", "worker"), List.copyOf(new java.util.TreeSet<>(plan.blocked().keySet())));
            plan.blocked().values().forEach(why ->
                    assertTrue(why.contains("'data'") && why.contains("not created by Berth"), why));
        }

        @Test
        void anUnmanagedVolumeNoServiceMountsBlocksNothing() {
            DesiredState d = desired("""
                    {"revision": 2, "services": {"api": {"image": "busybox"}}, "volumes": {"spare": {}}}""");
            Plan plan = plan(d, observed(List.of(), List.of(unmanagedVolume("spare")), "busybox"));
            assertEquals(List.of(new CreateContainer(d.services().get("api"), 2)), plan.steps());
            assertEquals(Map.of(), plan.blocked());
        }

        @Test
        void aManagedContainerWithoutAServiceLabelDoesNotBreakThePlanner() {
            ObservedContainer odd = managed("x1", "odd", null, null, "running", null);
            Plan plan = plan(DEMO, observed(List.of(odd), List.of(managedVolume("web-data")), IMAGE));
            assertTrue(plan.steps().stream().anyMatch(s -> s instanceof CreateContainer c
                    && c.spec().name().equals("web")), "web is planned as if the odd one were not there: " + plan);
            assertTrue(plan.steps().stream().noneMatch(s -> s instanceof CreateContainer c
                    && !c.spec().name().equals("web")));
        }
    }

    @Nested
    class Backoff {

        @Test
        void aServiceBackingOffGetsNoStepAndThePlanWaits() {
            PlanContext ctx = new PlanContext(NOW, Map.of(FailureKey.service("web"), NOW.plusSeconds(30)));
            Plan plan = Planner.nextSteps(DEMO, observed(List.of(), List.of(managedVolume("web-data"))), ctx);
            assertEquals(List.of(), plan.steps());
            assertTrue(plan.waiting());
            assertFalse(plan.settled());
        }

        @Test
        void aBackoffInThePastOrEndingNowIsOver() {
            ObservedState o = observed(List.of(), List.of(managedVolume("web-data")));
            for (Instant until : List.of(NOW.minusSeconds(1), NOW)) {
                Plan plan = Planner.nextSteps(DEMO, o, new PlanContext(NOW, Map.of(FailureKey.service("web"), until)));
                assertEquals(1, plan.steps().size(), plan::toString);
                assertFalse(plan.waiting());
            }
        }

        @Test
        void onlyTheServiceBackingOffWaits() {
            DesiredState d = desired("""
                    {"revision": 3, "services": {"aa": {"image": "busybox"}, "bb": {"image": "busybox"}}}""");
            PlanContext ctx = new PlanContext(NOW, Map.of(FailureKey.service("aa"), NOW.plus(Duration.ofMinutes(5))));
            Plan plan = Planner.nextSteps(d, observed(List.of(), List.of(), "busybox"), ctx);
            assertEquals(List.of(new CreateContainer(d.services().get("bb"), 3)), plan.steps());
            assertTrue(plan.waiting());
        }

        @Test
        void aVolumeBackingOffIsNotCreatedAndItsServiceWaits() {
            PlanContext ctx = new PlanContext(NOW, Map.of(FailureKey.volume("web-data"), NOW.plusSeconds(10)));
            Plan plan = Planner.nextSteps(DEMO, observed(List.of(), List.of(), IMAGE), ctx);
            assertEquals(List.of(), plan.steps());
            assertTrue(plan.waiting());
        }

        @Test
        void backoffDoesNotHideABlock() {
            PlanContext ctx = new PlanContext(NOW, Map.of(FailureKey.service("web"), NOW.plusSeconds(30)));
            Plan plan = Planner.nextSteps(DEMO, observed(List.of(unmanaged("u1", "web", "running")),
                    List.of(managedVolume("web-data")), IMAGE), ctx);
            assertTrue(plan.blocked().containsKey("web"));
        }
    }

    /** Runs the planner against a toy engine until settled: each batch is the next step of a real road. */
    @Nested
    class Convergence {

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.berth.plan.PlannerTest#starts")
        void convergesAndEndsSatisfied(String name, DesiredState desired, ObservedState start, int maxPasses,
                                       List<Class<? extends Step>> expectedKinds) {
            ToyEngine engine = new ToyEngine(start);
            List<Class<? extends Step>> kinds = new ArrayList<>();
            for (int pass = 0; ; pass++) {
                // each pass comes a while after the last: every container has been seen for a minute
                Map<String, Instant> seen = new LinkedHashMap<>();
                engine.state().containers().forEach(c -> seen.put(c.id(), NOW.minusSeconds(60)));
                Plan plan = Planner.nextSteps(desired, engine.state(), NO_BACKOFF.withGoodSince(seen));
                if (plan.settled()) {
                    break;
                }
                if (pass >= maxPasses) {
                    fail(name + ": not settled after " + maxPasses + " passes; last plan " + plan);
                }
                plan.steps().forEach(s -> kinds.add(s.getClass()));
                plan.steps().forEach(engine::apply);
            }
            assertEquals(expectedKinds, kinds, name);
            for (ServiceSpec spec : desired.services().values()) {
                ObservedContainer c = engine.container(spec.containerName());
                assertTrue(Planner.satisfied(spec, c), () -> name + ": " + spec.name() + " not satisfied: " + c);
            }
            assertEquals(desired.services().size(), engine.state().containers().size(),
                    "only the desired containers are left");
        }
    }

    static Stream<DesiredState> documents() {
        return Stream.of(DEMO, DEMO_V2, NOTHING_DESIRED,
                desired("{\"revision\": 2, \"services\": {\"web\": {\"image\": \"busybox\", \"state\": \"stopped\"}}}"),
                desired("{\"revision\": 2, \"services\": {\"web\": {\"image\": \"busybox\", \"restart\": \"always\"}}}"),
                desired("{\"revision\": 2, \"services\": {\"api\": {\"image\": \"busybox\", \"container_name\": \"web\"}}}"),
                desired("{\"revision\": 2, \"services\": {\"api\": {\"image\": \"busybox\"}}}"));
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> starts() {
        ObservedContainer old = managed("c1", "web", WEB, "running");
        return Stream.of(
                org.junit.jupiter.params.provider.Arguments.of("empty engine", DEMO, ObservedState.NOTHING, 4,
                        List.of(CreateVolume.class, PullImage.class, CreateContainer.class, StartContainer.class)),
                org.junit.jupiter.params.provider.Arguments.of("new image", DEMO_V2,
                        observed(List.of(old), List.of(managedVolume("web-data")), IMAGE), 5,
                        List.of(PullImage.class, RetireContainer.class, CreateContainer.class,
                                StartContainer.class, RemoveContainer.class)),
                org.junit.jupiter.params.provider.Arguments.of("new image, no rollback", withoutRollback(DEMO_V2),
                        observed(List.of(old), List.of(managedVolume("web-data")), IMAGE), 4,
                        List.of(PullImage.class, RetireContainer.class, CreateContainer.class,
                                RemoveContainer.class, StartContainer.class)),
                org.junit.jupiter.params.provider.Arguments.of("already there", DEMO,
                        observed(List.of(old), List.of(managedVolume("web-data")), IMAGE), 0, List.of()),
                org.junit.jupiter.params.provider.Arguments.of("service removed", NOTHING_DESIRED,
                        observed(List.of(old), List.of(managedVolume("web-data")), IMAGE), 1,
                        List.of(RemoveContainer.class)));
    }

    // ---- Planner.satisfied ---------------------------------------------------------------------

    @Nested
    class Satisfied {
        final ServiceSpec stopped = desired("""
                {"revision": 1, "services": {"web": {"image": "busybox", "state": "stopped"}}}""")
                .services().get("web");
        final ServiceSpec oneShot = desired("""
                {"revision": 1, "services": {"web": {"image": "busybox", "restart": "no"}}}""")
                .services().get("web");

        @Test
        void noContainerOrAnotherHashIsNotSatisfied() {
            assertFalse(Planner.satisfied(WEB, null));
            assertFalse(Planner.satisfied(WEB, managed("c1", "web", "web", "0ld", "running", null)));
        }

        @Test
        void runningWithoutHealthcheckOrHealthyIsSatisfied() {
            assertTrue(Planner.satisfied(WEB, managed("c1", "web", WEB, "running")));
            assertTrue(Planner.satisfied(WEB, withHealth(managed("c1", "web", WEB, "running"), "healthy")));
            assertFalse(Planner.satisfied(WEB, withHealth(managed("c1", "web", WEB, "running"), "starting")),
                    "with a healthcheck, converged waits until it passes");
            assertFalse(Planner.satisfied(WEB, withHealth(managed("c1", "web", WEB, "running"), "unhealthy")));
        }

        @Test
        void createdOrRestartingIsNotYetSatisfied() {
            assertFalse(Planner.satisfied(WEB, managed("c1", "web", WEB, "created")));
            assertFalse(Planner.satisfied(WEB, managed("c1", "web", WEB, "restarting")));
            assertFalse(Planner.satisfied(WEB, exited(WEB, 0)), "unless-stopped must run");
        }

        @Test
        void stoppedIsSatisfiedByAnyContainerThatDoesNotRun() {
            assertTrue(Planner.satisfied(stopped, exited(stopped, 0)));
            assertTrue(Planner.satisfied(stopped, exited(stopped, 1)));
            assertTrue(Planner.satisfied(stopped, managed("c1", "web", stopped, "created")));
            assertFalse(Planner.satisfied(stopped, managed("c1", "web", stopped, "running")));
            assertFalse(Planner.satisfied(stopped, managed("c1", "web", stopped, "paused")));
        }

        @Test
        void aOneShotThatExitedCleanlyIsSatisfied() {
            assertTrue(Planner.satisfied(oneShot, exited(oneShot, 0)));
            assertFalse(Planner.satisfied(oneShot, exited(oneShot, 2)));
            assertFalse(Planner.satisfied(oneShot, managed("c1", "web", oneShot.name(), oneShot.hash(), "exited",
                    null)));
        }

        private ObservedContainer withHealth(ObservedContainer c, String health) {
            return new ObservedContainer(c.id(), c.name(), c.managed(), c.service(), c.specHash(), c.revision(),
                    c.status(), Health.of(health), c.exitCode(), c.startedAt(), c.restartCount(), c.image(), c.imageId(),
                    c.oomKilled());
        }
    }

    @Test
    void thePlanIsAValue() {
        Plan plan = plan(DEMO, ObservedState.NOTHING);
        assertEquals(plan, plan(DEMO, ObservedState.NOTHING), "same inputs, same plan");
        org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
                () -> plan.steps().add(new StartContainer("x", "y")));
        assertAll(plan.steps().stream().map(s -> () -> assertEquals("web", s.service())));
    }

    static boolean touches(Step step, ObservedContainer container) {
        if (step instanceof StartContainer s) {
            return s.containerId().equals(container.id());
        }
        if (step instanceof StopContainer s) {
            return s.containerId().equals(container.id());
        }
        if (step instanceof RemoveContainer s) {
            return s.containerId().equals(container.id()) || s.containerName().equals(container.name());
        }
        return false;
    }

    /** A toy engine that applies steps to an observed state, for the convergence fixtures. */
    static final class ToyEngine {
        private final Map<String, ObservedContainer> containers = new LinkedHashMap<>();
        private final Map<String, ObservedVolume> volumes = new LinkedHashMap<>();
        private final Map<String, String> images = new LinkedHashMap<>();
        private int ids;

        ToyEngine(ObservedState start) {
            start.containers().forEach(c -> containers.put(c.name(), c));
            volumes.putAll(start.volumes());
            images.putAll(start.images());
        }

        ObservedState state() {
            return new ObservedState(List.copyOf(containers.values()), volumes, images);
        }

        ObservedContainer container(String name) {
            return containers.get(name);
        }

        void apply(Step step) {
            if (step instanceof PullImage s) {
                images.put(s.image(), "sha256:" + s.image().hashCode());
            } else if (step instanceof CreateVolume s) {
                volumes.put(s.volume().name(), new ObservedVolume(s.volume().name(), true, s.service()));
            } else if (step instanceof CreateContainer s) {
                assertFalse(containers.containsKey(s.spec().containerName()), "name taken: " + s);
                containers.put(s.spec().containerName(), managed("t" + ++ids, s.spec().containerName(), s.spec(),
                        "created"));
            } else if (step instanceof StartContainer s) {
                update(s.containerId(), "running");
            } else if (step instanceof StopContainer s) {
                update(s.containerId(), "exited");
            } else if (step instanceof RemoveContainer s) {
                containers.values().removeIf(c -> c.id().equals(s.containerId()));
            } else if (step instanceof RetireContainer s) {
                update(s.containerId(), "exited");
                rename(s.containerId(), s.keptName());
            } else if (step instanceof RestoreContainer s) {
                rename(s.containerId(), s.containerName());
                if (s.start()) {
                    update(s.containerId(), "running");
                }
            } else {
                fail("the toy engine does not know " + step);
            }
        }

        private void rename(String id, String name) {
            ObservedContainer c = containers.values().stream().filter(o -> o.id().equals(id)).findFirst().orElseThrow();
            assertFalse(containers.containsKey(name), "name taken: " + name);
            containers.remove(c.name());
            containers.put(name, new ObservedContainer(c.id(), name, c.managed(), c.service(), c.specHash(),
                    c.revision(), c.status(), c.health(), c.exitCode(), c.startedAt(), c.restartCount(), c.image(),
                    c.imageId(), c.oomKilled()));
        }

        private void update(String id, String status) {
            containers.replaceAll((name, c) -> !c.id().equals(id) ? c : new ObservedContainer(c.id(), c.name(),
                    c.managed(), c.service(), c.specHash(), c.revision(), ContainerStatus.of(status), c.health(),
                    status.equals("exited") ? Integer.valueOf(0) : null, c.startedAt(), c.restartCount(), c.image(),
                    c.imageId(), c.oomKilled()));
        }
    }
}
