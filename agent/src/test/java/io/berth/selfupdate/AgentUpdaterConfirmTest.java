package io.berth.selfupdate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.berth.it.Await;
import io.berth.selfupdate.UpdateFiles.Pending;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The choice between the new agent and the old one is the updater's, made once: the new agent
 * writes {@code confirmed} and then reads {@code result.json}; it drops its record and says
 * installed only once the updater says installed (or is gone).
 */
class AgentUpdaterConfirmTest extends UpdaterFixture {
    static final String FAILED = "{\"version\": \"0.2.0\", \"state\": \"failed\", \"error\": \"the new agent did not "
            + "come back online within 120s; reinstalling 0.1.0\"}";
    static final String INSTALLED = "{\"version\": \"0.2.0\", \"state\": \"installed\"}";

    @BeforeEach
    void pending() throws IOException {
        files().writePending(new Pending(7, "0.1.0", "0.2.0", T0, T0.plusSeconds(720)));
    }

    /** As the script writes it: a temp file, then a rename. */
    void write(String json) throws IOException {
        Path temp = files().dir().resolve("result.json.tmp");
        Files.writeString(temp, json);
        Files.move(temp, files().dir().resolve("result.json"), StandardCopyOption.REPLACE_EXISTING);
    }

    void result(String json) throws IOException {
        Files.writeString(files().dir().resolve("result.json"), json);
    }

    @Test
    void aFailedResultWrittenBeforeTheConfirmationIsReadAfterItAndNothingIsConfirmed() throws Exception {
        updaterRuns();
        AgentUpdater u = resumeWithPending("0.2.0", T0.plusSeconds(150));
        // the updater gave up between the agent's start and its report: it puts 0.1.0 back
        result(FAILED);
        u.reportDelivered();
        u.onReport(doc(7, "0.2.0"), true);
        assertEquals(7, files().pending().revision(), "left for the old agent, which records the failure");
        assertEquals(List.of(), events, "never said installed");
        assertEquals("confirming", statuses.get(statuses.size() - 1).path("state").asText());
    }

    @Test
    void aConfirmationTheUpdaterMissedIsNotTakenForInstalled() throws Exception {
        updaterRuns();
        AgentUpdater u = resumeWithPending("0.2.0", T0.plusSeconds(150));
        u.reportDelivered();
        assertEquals("0.2.0", files().confirmed());
        assertEquals(7, files().pending().revision(), "no result yet: the updater decides");
        // the updater's last look came before the confirmation: it goes back
        result(FAILED);
        u.onReport(doc(7, "0.2.0"), true);
        assertEquals(7, files().pending().revision());
        assertEquals(List.of(), events);
        // ...or it saw the confirmation after all and says so
        result(INSTALLED);
        u.onReport(doc(7, "0.2.0"), true);
        assertNull(files().pending());
        assertEquals(List.of("7 0.2.0: installed agent 0.2.0 (was 0.1.0)"), events);
        assertNull(statuses.get(statuses.size() - 1));
    }

    @Test
    void anUpdaterGoneWithoutAWordLeavesTheConfirmedAgentInstalled() throws Exception {
        Files.writeString(files().dir().resolve("lock"), ProcessHandle.current().pid() + "\n"); // not an updater
        AgentUpdater u = resumeWithPending("0.2.0", T0.plusSeconds(150));
        u.reportDelivered();
        assertNull(files().pending());
        assertEquals(List.of("7 0.2.0: installed agent 0.2.0 (was 0.1.0)"), events);
    }

    @Test
    void theConfirmedAgentWaitsForTheUpdatersInstalledWithoutPolling() throws Exception {
        updaterRuns();
        resultWait = Duration.ofSeconds(20);
        AgentUpdater u = resumeWithPending("0.2.0", T0.plusSeconds(150));
        CompletableFuture<Void> confirming = CompletableFuture.runAsync(u::reportDelivered);
        Path confirmed = files().dir().resolve("confirmed");
        Await.until("the confirmation", () -> Files.exists(confirmed), Duration.ofSeconds(10), () -> "none");
        assertFalse(confirming.isDone(), "waits for the updater's word");
        // it gave up as the confirmation came: failed first, then its last look keeps this agent
        write(FAILED);
        assertFalse(confirming.isDone(), "a failed result the updater may still rewrite");
        assertEquals(7, files().pending().revision());
        write(INSTALLED);
        confirming.get(10, TimeUnit.SECONDS);
        assertNull(files().pending());
        assertEquals(List.of("7 0.2.0: installed agent 0.2.0 (was 0.1.0)"), events);
    }

    @Test
    void aNewAgentRestartedAfterItConfirmedWaitsForTheResultToo() throws Exception {
        updaterRuns();
        files().writeConfirmed("0.2.0");
        AgentUpdater u = resumeWithPending("0.2.0", T0.plusSeconds(150));
        assertEquals(7, files().pending().revision());
        result(INSTALLED);
        u.onReport(doc(7, "0.2.0"), true);
        assertNull(files().pending());
        assertEquals(List.of("7 0.2.0: installed agent 0.2.0 (was 0.1.0)"), events);
    }
}
