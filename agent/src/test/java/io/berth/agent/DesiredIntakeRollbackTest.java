package io.berth.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.model.Labels;
import io.berth.reconcile.ContainerDefaults;
import io.berth.reconcile.FakeEngine;
import io.berth.reconcile.HostFacts;
import io.berth.reconcile.Reconciler;
import io.berth.reconcile.StatusReporter;
import io.berth.spec.DevicePolicy;
import io.berth.spec.DeviceTrust;
import io.berth.spec.PolicyHost;
import io.berth.store.StateStore;
import io.berth.support.FakeClock;
import java.nio.charset.StandardCharsets;
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

/** The state dir at start, through the intake: a last good revision this device refuses now is no way back. */
class DesiredIntakeRollbackTest {
    static final String V1 = """
            {"revision": 1, "services": {"web": {"image": "img:1", "privileged": true}},
             "update": {"healthTimeout": "30s"}}""";
    static final String V2 = """
            {"revision": 2, "services": {"web": {"image": "img:2"}}, "update": {"healthTimeout": "30s"}}""";

    @TempDir
    Path dir;
    final FakeClock clock = new FakeClock();
    final FakeEngine engine = new FakeEngine(clock);
    final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    Reconciler reconciler;

    @AfterEach
    void stop() {
        reconciler.close();
        timer.shutdownNow();
    }

    DesiredIntake agent(DevicePolicy policy) throws Exception {
        StatusReporter reporter = new StatusReporter("dev", "test", "test", clock, timer, new StatusReporter.Sink() {
            @Override
            public void publishReport(byte[] json) {
            }

            @Override
            public void publishEvent(byte[] json) {
                events.add(new String(json, StandardCharsets.UTF_8));
            }
        }, Duration.ofSeconds(1), Duration.ofHours(1), new HostFacts(dir, Long.MAX_VALUE, Long.MAX_VALUE));
        reconciler = new Reconciler(engine, Labels.ownership("dev"), clock, timer, reporter,
                new ContainerDefaults(Files.createDirectories(dir.resolve("data")), null), null);
        StateStore store = new StateStore(dir.resolve("state"));
        store.prepare();
        DeviceTrust trust = new DeviceTrust("dev", Map::of, policy, Map.of(), PolicyHost.lexical(dir.resolve("data")),
                clock);
        DesiredIntake intake = new DesiredIntake(store, reconciler, reporter, trust, "berth");
        reconciler.setHistory(intake);
        return intake;
    }

    void onLoop(Runnable task) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        reconciler.submit(() -> {
            task.run();
            done.complete(null);
        });
        done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aRefusedLastGoodRevisionIsNeverRolledBackTo() throws Exception {
        engine.registry.put("img:1", "sha256:1111");
        engine.registry.put("img:2", "sha256:2222");
        engine.exitsOnStart.add("img:2");
        DesiredIntake before = agent(DevicePolicy.PERMISSIVE);
        onLoop(() -> before.receive(V1.getBytes(StandardCharsets.UTF_8), "mqtt"));
        clock.advance(Duration.ofSeconds(6));
        onLoop(reconciler::requestPass);
        onLoop(() -> { }); // the pass queued before this ran: 1 converges, is good
        assertTrue(Files.exists(dir.resolve("state").resolve("good.json")), "revision 1 recorded as good");
        onLoop(() -> before.receive(V2.getBytes(StandardCharsets.UTF_8), "mqtt"));
        assertEquals(Map.of("web", "img:2", "web-berth-previous", "img:1"), engine.containers());
        reconciler.close();

        // restarted with a policy that refuses privileged containers: revision 1 may not run here any more
        DevicePolicy p = DevicePolicy.PERMISSIVE;
        DevicePolicy strict = new DevicePolicy(false, p.hostNamespaces(), p.devices(), p.capabilities(),
                p.unconfined(), p.sysctls(), p.bindPrefixes(), p.registries());
        DesiredIntake after = agent(strict);
        onLoop(after::restore);
        clock.advance(Duration.ofMinutes(5));
        onLoop(reconciler::requestPass);
        onLoop(() -> { }); // the pass queued before this ran
        assertTrue(events.stream().noneMatch(e -> e.contains("\"type\":\"rollback\"")), events.toString());
        assertEquals(Map.of("web", "img:2", "web-berth-previous", "img:1"), engine.containers(),
                "the privileged container of revision 1 is not brought back");
    }
}
