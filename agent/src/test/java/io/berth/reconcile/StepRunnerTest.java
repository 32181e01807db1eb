package io.berth.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.berth.model.VolumeSpec;
import io.berth.plan.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch keeps every step's outcome, even when one step throws something unexpected. */
class StepRunnerTest {

    @TempDir
    Path dir;

    @Test
    void anUnexpectedExceptionBecomesARetryableErrorOfThatStepOnly() throws Exception {
        FakeEngine engine = new FakeEngine(Clock.systemUTC());
        engine.throwUnexpected.add("create volume b");
        StepExecutor executor = new StepExecutor(engine, Map.of(),
                new ContainerDefaults(Files.createDirectories(dir.resolve("data")), null));
        List<Step> batch = List.of(
                new Step.CreateVolume(new VolumeSpec("a", null, null, null), "web"),
                new Step.CreateVolume(new VolumeSpec("b", null, null, null), "web"),
                new Step.CreateVolume(new VolumeSpec("c", null, null, null), "web"));
        for (List<Step> steps : List.of(batch, List.of(batch.get(1)))) {
            try (StepRunner runner = new StepRunner(executor)) {
                List<StepRunner.Result> results = runner.runAll(steps);
                assertEquals(steps.size(), results.size());
                for (StepRunner.Result r : results) {
                    boolean bad = r.step().equals(batch.get(1));
                    assertEquals(bad, r.error() != null, r.toString());
                    if (bad) {
                        assertNull(r.outcome());
                        assertFalse(r.error().terminal());
                        assertNotNull(r.error().getCause());
                    }
                }
            }
        }
    }
}
