package io.berth.reconcile;

import static io.berth.spec.SpecFixtures.desired;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.ContainerStatus;
import io.berth.model.DesiredState;
import io.berth.model.Health;
import io.berth.model.Labels;
import io.berth.plan.Rollback;
import io.berth.support.FakeClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reconcile loop with a fake engine and a fake clock: rollouts, rollbacks and restarts that
 * only integration tests reached before, in milliseconds. Every pass is driven by the test on
 * the reconcile thread; time moves only when the test moves it.
 */
class ReconcilerTest {
    @TempDir
    Path dir;
    final FakeClock clock = new FakeClock();
    final FakeEngine engine = new FakeEngine(clock);
    final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    final RecordingSink sink = new RecordingSink();
    final List<JsonNode> events = sink.events;
    final List<String> history = Collections.synchronizedList(new ArrayList<>());
    StatusReporter reporter;
    Reconciler reconciler;

    static DesiredState doc(long revision, String body) {
        return desired("{\"revision\": " + revision + ", " + body + "}");
    }

    /** web on an image; update with a 30 s health timeout and more as given. */
    static DesiredState web(long revision, String image, String update) {
        return doc(revision, """
                "services": {"web": {"image": "%s", "restart": "unless-stopped"}},
                "update": {"healthTimeout": "30s"%s}""".formatted(image, update));
    }

    void start() throws IOException {
        engine.registry.put("img:1", "sha256:1111");
        engine.registry.put("img:2", "sha256:2222");
        reporter = sink.reporter("test", clock, timer, dir);
        reconciler = newReconciler();
    }

    Reconciler newReconciler() throws IOException {
        Reconciler r = new Reconciler(engine, Labels.ownership("dev"), clock, timer, reporter,
                new ContainerDefaults(Files.createDirectories(dir.resolve("data")), null), null);
        r.setHistory(new RevisionHistory() {
            @Override
            public void converged(long revision) {
                history.add("converged " + revision);
            }

            @Override
            public void rolledBack(Rollback rollback) {
                history.add(rollback == null ? "cleared" : "rolled back " + rollback.revision());
            }
        });
        return r;
    }

    @AfterEach
    void stop() {
        if (reconciler != null) {
            reconciler.close();
        }
        timer.shutdownNow();
    }

    /** Runs on the reconcile thread and waits for it. */
    void onLoop(Runnable task) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        reconciler.submit(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        done.get(10, TimeUnit.SECONDS);
    }

    void pass() throws Exception {
        onLoop(reconciler::passNow);
    }

    /** Time passes (both clocks) and the loop looks again. */
    void after(Duration d) throws Exception {
        clock.advance(d);
        pass();
    }

    String phase() {
        return reporter.latest().path("phase").asText();
    }

    List<JsonNode> events(String type) {
        synchronized (events) {
            return events.stream().filter(e -> type.equals(e.path("type").asText())).toList();
        }
    }

    /** Revision 1 of web runs and is the last good revision. */
    void runningRevision1() throws Exception {
        start();
        onLoop(() -> reconciler.restore(web(1, "img:1", ""), null, null));
        after(Duration.ofSeconds(6));
        assertEquals(Map.of("web", "img:1"), engine.containers());
        assertEquals("converged", phase());
        assertEquals(List.of("converged 1"), history);
    }

    @Test
    void aReplacementThatExitsInsteadOfRunningIsRolledBackAtItsHealthTimeout() throws Exception {
        runningRevision1();
        engine.exitsOnStart.add("img:2");
        String previous = engine.idOf("web");
        onLoop(() -> reconciler.setDesired(web(2, "img:2", "")));
        assertEquals(Map.of("web", "img:2", "web-berth-previous", "img:1"), engine.containers());
        assertEquals(ContainerStatus.EXITED, engine.statusOf("web"));

        after(Duration.ofSeconds(29));
        assertEquals(List.of(), events("rollback"), "not before its health timeout");

        after(Duration.ofSeconds(2));
        List<JsonNode> rollbacks = events("rollback");
        assertEquals(1, rollbacks.size(), events.toString());
        String message = rollbacks.get(0).path("message").asText();
        assertTrue(message.contains("revision 2 rolled back to revision 1") && message.contains("exit code 1"), message);
        assertEquals(Map.of("web", "img:1"), engine.containers(), "exactly the previous container is back");
        assertEquals(previous, engine.idOf("web"), "brought back, not recreated");
        assertEquals(ContainerStatus.RUNNING, engine.statusOf("web"));
        assertEquals("rolled-back", phase());
        assertEquals(List.of("converged 1", "rolled back 2"), history);
    }

    @Test
    void anAgentRestartedMidTrialTimesTheTrialFromItsOwnStart() throws Exception {
        runningRevision1();
        engine.exitsOnStart.add("img:2");
        onLoop(() -> reconciler.setDesired(web(2, "img:2", "")));
        after(Duration.ofSeconds(20));
        reconciler.close();

        // the agent comes back 20 s into the trial: the state dir says 2 accepted, 1 good
        reconciler = newReconciler();
        onLoop(() -> reconciler.restore(web(2, "img:2", ""), web(1, "img:1", ""), null));
        after(Duration.ofSeconds(29));
        assertEquals(List.of(), events("rollback"), "the new process gives the replacement its whole timeout");
        after(Duration.ofSeconds(2));
        assertEquals(1, events("rollback").size(), events.toString());
        assertEquals(Map.of("web", "img:1"), engine.containers());
    }

    @Test
    void anAgentRestartedMidTrialPromotesAGoodReplacement() throws Exception {
        runningRevision1();
        onLoop(() -> reconciler.setDesired(web(2, "img:2", "")));
        reconciler.close();
        reconciler = newReconciler();
        onLoop(() -> reconciler.restore(web(2, "img:2", ""), web(1, "img:1", ""), null));
        assertTrue(engine.containers().containsKey("web-berth-previous"), "kept until the replacement ran a while");
        after(Duration.ofSeconds(6));
        pass();
        assertEquals(Map.of("web", "img:2"), engine.containers());
        assertEquals("converged", phase());
        assertEquals(List.of("converged 1", "converged 2"), history);
    }

    @Test
    void aDependantWithRestartTrueIsRestartedAfterItsDependencyIsReplaced() throws Exception {
        start();
        String body = """
                "services": {"db": {"image": "img:1", "command": ["db", "%s"]},
                  "app": {"image": "img:1", "depends_on": {"db": {"condition": "service_started", "restart": true}}},
                  "plain": {"image": "img:1", "depends_on": ["db"]}}""";
        onLoop(() -> reconciler.restore(doc(1, body.formatted("1")), null, null));
        after(Duration.ofSeconds(6));
        String app = engine.idOf("app");
        String plain = engine.idOf("plain");
        engine.calls.clear();

        onLoop(() -> reconciler.setDesired(doc(2, body.formatted("2"))));
        after(Duration.ofSeconds(6));
        String db = engine.idOf("db");
        List<String> calls = List.copyOf(engine.calls);
        int dbStart = calls.indexOf("start " + db);
        assertTrue(dbStart >= 0, calls.toString());
        assertEquals(app, engine.idOf("app"), "restarted, not recreated");
        assertTrue(calls.indexOf("stop " + app) > dbStart && calls.indexOf("start " + app) > dbStart, calls.toString());
        assertFalse(calls.contains("stop " + plain), "without restart: true a dependant is left alone: " + calls);
        assertEquals("converged", phase());
    }

    @Test
    void aReplacementWaitingForASettledDependencyThatNeverHoldsIsRolledBack() throws Exception {
        start();
        String body = """
                "services": {"db": {"image": "img:1",
                    "healthcheck": {"test": ["CMD", "true"], "interval": "1s"}},
                  "app": {"image": "img:1", "command": ["app", "%s"],
                    "depends_on": {"db": {"condition": "service_healthy"}}}},
                "update": {"healthTimeout": "30s"}""";
        onLoop(() -> reconciler.restore(doc(1, body.formatted("1")), null, null));
        engine.setHealth("db", Health.HEALTHY);
        after(Duration.ofSeconds(6));
        assertEquals(List.of("converged 1"), history);

        // db is not part of the update and turns unhealthy: the new app waits for a condition
        // that never holds; its trial must keep timing, not restart on every pass
        engine.setHealth("db", Health.UNHEALTHY);
        onLoop(() -> reconciler.setDesired(doc(2, body.formatted("2"))));
        after(Duration.ofSeconds(20));
        assertEquals(List.of(), events("rollback"), "not before its health timeout");
        after(Duration.ofSeconds(11));
        assertEquals(1, events("rollback").size(), events.toString());
        assertEquals(List.of("converged 1", "rolled back 2"), history);
    }

    @Test
    void killThenDownloadDoesNotCountThePullAgainstTheHealthTimeout() throws Exception {
        runningRevision1();
        // the old container stops first; the pull then takes longer than the whole health timeout
        engine.duringPull = () -> clock.advance(Duration.ofSeconds(45));
        onLoop(() -> reconciler.setDesired(web(2, "img:2", ", \"strategy\": \"kill-then-download\"")));
        List<String> calls = List.copyOf(engine.calls);
        assertTrue(calls.indexOf("stop " + engine.idOf("web-berth-previous")) < calls.indexOf("pull img:2"), calls.toString());
        after(Duration.ofSeconds(6));
        assertEquals(List.of(), events("rollback"), events.toString());
        assertEquals(Map.of("web", "img:2"), engine.containers());
        assertEquals(List.of("converged 1", "converged 2"), history);
    }

    @Test
    void withoutRollbackAFailedReplacementStaysAndNothingIsKept() throws Exception {
        runningRevision1();
        engine.exitsOnStart.add("img:2");
        onLoop(() -> reconciler.setDesired(web(2, "img:2", ", \"rollback\": false")));
        assertEquals(Map.of("web", "img:2"), engine.containers(), "the old container is removed, not kept");
        after(Duration.ofMinutes(5));
        assertEquals(List.of(), events("rollback"));
        assertEquals(Map.of("web", "img:2"), engine.containers());
        assertFalse("converged".equals(phase()), phase());
        assertEquals(List.of("converged 1"), history, "a failed revision never becomes the last good one");
    }

    @Test
    void aWallClockJumpOfHoursNeitherRollsBackAHealthyServiceNorDelaysIt() throws Exception {
        start();
        String check = "\"healthcheck\": {\"test\": [\"CMD\", \"true\"], \"interval\": \"1s\"}";
        onLoop(() -> reconciler.restore(doc(1, "\"services\": {\"web\": {\"image\": \"img:1\", " + check + "}}"),
                null, null));
        engine.setHealth("web", Health.HEALTHY);
        pass();
        onLoop(() -> reconciler.setDesired(doc(2, "\"services\": {\"web\": {\"image\": \"img:2\", " + check
                + "}}, \"update\": {\"healthTimeout\": \"30s\"}")));
        assertEquals(Health.STARTING, engine.containers().containsKey("web") ? healthOf("web") : null);
        clock.jumpWall(Duration.ofHours(3)); // NTP sets the clock of a board without RTC
        after(Duration.ofSeconds(2));
        assertEquals(List.of(), events("rollback"), "two seconds into its trial, whatever the wall clock says");
        engine.setHealth("web", Health.HEALTHY);
        clock.jumpWall(Duration.ofHours(-6));
        after(Duration.ofSeconds(1));
        assertEquals(Map.of("web", "img:2"), engine.containers(), "healthy: the kept container goes at once");
        assertEquals(List.of("converged 1", "converged 2"), history);
    }

    @Test
    void aWallClockSetBackDoesNotDelayARetry() throws Exception {
        start();
        engine.failOnce.add("pull img:1");
        onLoop(() -> reconciler.restore(web(1, "img:1", ""), null, null));
        assertEquals(Map.of(), engine.containers());
        assertEquals(1, events("failed").size(), events.toString());
        clock.jumpWall(Duration.ofHours(-3)); // NTP sets the clock back: the backoff (at most 2 s) must not grow
        after(Duration.ofSeconds(3));
        assertEquals(Map.of("web", "img:1"), engine.containers(), "retried after its backoff: " + engine.calls);
    }

    private Health healthOf(String name) throws Exception {
        return io.berth.model.ObservedState.class.cast(engine.observe(java.util.Set.of(), java.util.Set.of(),
                java.util.Set.of())).containers().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow().health();
    }
}
