package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.fleet.FleetView;
import io.berth.fleet.rollout.Rollout;
import io.berth.fleet.rollout.RolloutDriver;
import io.berth.fleet.rollout.RolloutPlanner;
import io.berth.fleet.rollout.RolloutStore;
import io.berth.link.OperatorConnection;
import io.berth.link.TlsFiles;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two drivers on one rollout (docs/fleet.md, "Two drivers"), on the real broker with a stand-in
 * device that never converges (so the rollout stays open): the second waits while the first
 * renews its lease and gives up saying who drives; a pause asked meanwhile is applied by the
 * driver that holds the lease; once that one stops, the other takes over.
 */
class RolloutLeaseIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void onlyTheLeaseHolderActsAndRequestsReachIt() throws Exception {
        String prefix = "lease" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        OperatorConnection.Settings settings = new OperatorConnection.Settings(List.of(TestBroker.URL), null, null,
                new TlsFiles.Settings(null, null, null));
        // renewed each second; B sees it lapse only after a 6 s stall of A or of its view (seen in
        // nothing yet, but ITs run side by side on two cores)
        Duration ttl = Duration.ofSeconds(6);
        try (OperatorConnection a = OperatorConnection.connect(settings);
             OperatorConnection b = OperatorConnection.connect(settings)) {
            a.publish(prefix + "/dev-1/online", "{\"online\":true,\"labels\":{\"tier\":\"prod\"}}"
                    .getBytes(StandardCharsets.UTF_8), true);
            a.publish(prefix + "/dev-1/reported", ("{\"phase\":\"converged\",\"labels\":{\"tier\":\"prod\"},"
                    + "\"revision\":{\"desired\":1,\"applied\":1,\"good\":1}}").getBytes(StandardCharsets.UTF_8), true);
            FleetView viewA = new FleetView(prefix);
            RolloutStore storeA = new RolloutStore(a, prefix);
            storeA.attach(true);
            viewA.attach(a);
            FleetView viewB = new FleetView(prefix);
            RolloutStore storeB = new RolloutStore(b, prefix);
            storeB.attach(true);
            viewB.attach(b);
            Set<String> owners = ConcurrentHashMap.newKeySet();
            storeB.addListener(r -> {
                if (r.lease() != null) {
                    owners.add(r.lease().owner());
                }
            });

            RolloutDriver driverA = new RolloutDriver(storeA, viewA, null, Clock.systemUTC(), ttl);
            Rollout created = RolloutPlanner.create("r", "tier=prod", null, JSON.readTree(
                    "{\"services\":{\"web\":{\"image\":\"x:2\"}}}"), List.copyOf(viewA.devices().values()), null,
                    "100%", "0", Duration.ofHours(1), null, Clock.systemUTC().instant());
            driverA.create(created);
            CompletableFuture<Rollout> drivingA = CompletableFuture.supplyAsync(() -> {
                try {
                    return driverA.drive("r", RolloutDriver.Mode.TO_END, line -> { });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Await.until("dev-1 published by A", () -> storeB.get("r").map(r -> "published".equals(
                    r.targets().get("dev-1").state())).orElse(false), Duration.ofSeconds(20), () -> "" + storeB.get("r"));

            RolloutDriver driverB = new RolloutDriver(storeB, viewB, null, Clock.systemUTC(), ttl);
            long t0 = System.nanoTime();
            RolloutDriver.LeaseLost lost = assertThrows(RolloutDriver.LeaseLost.class,
                    () -> driverB.drive("r", RolloutDriver.Mode.TO_END, line -> { }));
            assertTrue(lost.getMessage().contains(driverA.owner()), lost.getMessage());
            assertTrue(System.nanoTime() - t0 >= ttl.multipliedBy(3).toNanos(), "B waited for the lease to lapse");
            assertEquals(Set.of(driverA.owner()), owners, "only A ever held the lease");

            storeB.ask("r", "pause", false, Clock.systemUTC().instant());
            Await.until("the pause applied by A", () -> storeB.get("r").map(r -> Rollout.PAUSED.equals(r.status())
                    && driverA.owner().equals(r.lease() == null ? null : r.lease().owner())).orElse(false),
                    Duration.ofSeconds(10), () -> "" + storeB.get("r"));

            driverA.close(); // A stops and releases its lease: B takes over
            drivingA.get(10, TimeUnit.SECONDS);
            Rollout afterB = driverB.drive("r", RolloutDriver.Mode.SETTLE, line -> { });
            assertEquals(Rollout.PAUSED, afterB.status());
            assertTrue(owners.contains(driverB.owner()), "B held the lease once A was gone: " + owners);
            assertEquals(2, afterB.targets().get("dev-1").revision(), "dev-1's revision, assigned once by A");
            for (String t : List.of("/dev-1/online", "/dev-1/reported", "/dev-1/desired", "/_fleet/rollouts/r")) {
                a.publish(prefix + t, new byte[0], true);
            }
        }
    }
}
