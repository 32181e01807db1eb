package io.berth.selfupdate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.selfupdate.UpdateFiles.Failure;
import io.berth.selfupdate.UpdateFiles.Pending;
import io.berth.selfupdate.UpdateFiles.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The records in {stateDir}/agent-update/, as the updater script reads and writes them. */
class UpdateFilesTest {
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    @TempDir
    Path state;

    @Test
    void awaitingInstalledLooksPastAFailedResultTheUpdaterMayStillRewrite() throws Exception {
        UpdateFiles files = new UpdateFiles(state);
        Path dir = files.dir();
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("result.json"), "{\"version\": \"0.2.0\", \"state\": \"failed\"}");
        CompletableFuture<Result> waiting = CompletableFuture.supplyAsync(
                () -> files.awaitInstalled("0.2.0", Duration.ofSeconds(20)));
        Files.writeString(dir.resolve("result.json.tmp"), "{\"version\": \"0.2.0\", \"state\": \"installed\"}");
        Files.move(dir.resolve("result.json.tmp"), dir.resolve("result.json"), StandardCopyOption.REPLACE_EXISTING);
        assertEquals("installed", waiting.get(15, TimeUnit.SECONDS).state());
        assertEquals("installed", files.awaitInstalled("0.2.0", Duration.ofSeconds(20)).state(), "there: at once");
    }

    @Test
    void anUpdaterIsRunningWhileTheProcessInLockIsOne() throws Exception {
        UpdateFiles files = new UpdateFiles(state);
        assertFalse(files.updaterRunning(), "no lock");
        Files.createDirectories(files.dir());
        Process updater = new ProcessBuilder("bash", "-c", "sleep 120; :", "agent-update").start();
        try {
            Files.writeString(files.dir().resolve("lock"), updater.pid() + "\n");
            assertTrue(files.updaterRunning());
        } finally {
            updater.destroyForcibly().waitFor();
        }
        assertFalse(files.updaterRunning(), "exited");
        Files.writeString(files.dir().resolve("lock"), ProcessHandle.current().pid() + "\n");
        assertFalse(files.updaterRunning(), "a pid that is another program's");
    }

    @Test
    void pendingRoundTripsAsTheDocumentedJson() throws Exception {
        UpdateFiles files = new UpdateFiles(state);
        assertNull(files.pending());
        Pending p = new Pending(7, "0.1.0", "0.2.0", T0, T0.plusSeconds(720));
        files.writePending(p);
        assertEquals(p, files.pending());
        assertEquals(new ObjectMapper().readTree("{\"revision\":7,\"from\":\"0.1.0\",\"to\":\"0.2.0\","
                + "\"startedAt\":\"2026-12-01T10:00:00Z\",\"deadline\":\"2026-12-01T10:12:00Z\"}"),
                new ObjectMapper().readTree(state.resolve("agent-update/pending.json").toFile()));
        files.removePending();
        assertNull(files.pending());
    }

    @Test
    void anUnreadablePendingRecordIsRemoved() throws Exception {
        Files.createDirectories(state.resolve("agent-update"));
        Files.writeString(state.resolve("agent-update/pending.json"), "{\"revision\": 7}");
        assertNull(new UpdateFiles(state).pending());
        assertFalse(Files.exists(state.resolve("agent-update/pending.json")));
    }

    @Test
    void theScriptsResultIsReadLeniently() throws Exception {
        UpdateFiles files = new UpdateFiles(state);
        assertNull(files.result());
        Files.createDirectories(files.dir());
        Files.writeString(files.dir().resolve("result.json"), "{\"version\": \"0.2.0\", \"state\": \"failed\", "
                + "\"error\": \"the new agent did not confirm within 120 s\", \"time\": \"2026-12-01T10:05:00Z\"}\n");
        assertEquals(new Result("0.2.0", "failed", "the new agent did not confirm within 120 s",
                T0.plusSeconds(300)), files.result());
        assertTrue(files.result().failed());
        Files.writeString(files.dir().resolve("result.json"), "{\"version\": \"0.2.0\", \"state\": \"installed\", "
                + "\"error\": null, \"time\": \"yesterday\"}");
        assertEquals(new Result("0.2.0", "installed", null, null), files.result());
        Files.writeString(files.dir().resolve("result.json"), "{\"version\": \"0.2");
        assertNull(files.result(), "half written: no result yet");
        files.removeResult();
        assertNull(files.result());
    }

    @Test
    void confirmedHoldsTheVersion() throws Exception {
        UpdateFiles files = new UpdateFiles(state);
        assertNull(files.confirmed());
        files.writeConfirmed("0.2.0");
        assertEquals("0.2.0\n", Files.readString(files.dir().resolve("confirmed")));
        assertEquals("0.2.0", files.confirmed());
        files.removeConfirmed();
        assertNull(files.confirmed());
    }

    @Test
    void failuresAreKeptNewestLastAndBounded() throws Exception {
        UpdateFiles files = new UpdateFiles(state);
        assertEquals(List.of(), files.failures());
        files.addFailure(new Failure(7, "0.2.0", "first", T0));
        files.addFailure(new Failure(7, "0.2.0", "again", T0.plusSeconds(1)));
        assertEquals(List.of(new Failure(7, "0.2.0", "again", T0.plusSeconds(1))), files.failures(),
                "one record per revision and version");
        for (int i = 0; i < UpdateFiles.FAILURES_KEPT + 5; i++) {
            files.addFailure(new Failure(100 + i, "0.3.0", "e" + i, T0));
        }
        List<Failure> kept = files.failures();
        assertEquals(UpdateFiles.FAILURES_KEPT, kept.size());
        assertEquals(100 + UpdateFiles.FAILURES_KEPT + 4, kept.get(kept.size() - 1).revision());
    }
}
