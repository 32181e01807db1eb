package io.berth.selfupdate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.selfupdate.UpdateFiles.Failure;
import io.berth.selfupdate.UpdateFiles.Pending;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The agent update when things go wrong around it: records that cannot be written, a confirmation
 * that comes late, leftovers of a stopped agent, an agent stopped near the hand-over, stale records.
 */
class AgentUpdaterRecoveryTest extends UpdaterFixture {

    Path dir() {
        return state.resolve("agent-update");
    }

    JsonNode last() {
        return statuses.get(statuses.size() - 1);
    }

    void result(String json) throws IOException {
        Files.createDirectories(dir());
        Files.writeString(dir().resolve("result.json"), json);
    }

    @Test
    void aFailureThatCannotBeRecordedIsNotRetriedInALoop() throws Exception {
        Files.createDirectories(dir().resolve("failed.json")); // a read-only card, as far as this file goes
        packageVersion = "0.1.9"; // every attempt fails
        queued();
        AgentUpdater[] u = {null};
        onStatus = () -> u[0].onReport(doc(7, "0.2.0"), true);
        u[0] = updater("0.1.0");
        u[0].onReport(doc(7, "0.2.0"), true);
        drain(200);
        assertEquals(1, fetches.size(), "tried once: " + fetches.size() + " fetches");
        assertEquals("failed", last().path("state").asText());
        assertTrue(queue.isEmpty(), "nothing left to do");
        onStatus = () -> { };
        u[0].onReport(doc(8, null), true); // decided afresh after another document...
        u[0].onReport(doc(7, "0.2.0"), true); // ...the failure is still known, though failed.json has none
        drain(200);
        assertEquals(1, fetches.size());
        assertEquals("failed", last().path("state").asText());
    }

    @Test
    void aDecisionQueuedBehindAnUpdateUnderWayStartsNoSecondOne() {
        queued();
        AgentUpdater u = updater("0.1.0");
        u.onReport(doc(7, "0.2.0"), true);
        u.onReport(doc(8, "0.3.0"), true); // queued while the first decision waits
        drain(10);
        assertEquals(1, fetches.size(), fetches::toString);
        assertEquals(1, launches.size());
    }

    @Test
    void aStaleFailedResultOfAnEarlierAttemptDoesNotFailTheNextOne() throws Exception {
        files().addFailure(new Failure(7, "0.2.0", "dpkg failed", T0));
        result("{\"version\": \"0.2.0\", \"state\": \"failed\", \"error\": \"dpkg failed\"}");
        AgentUpdater u = updater("0.1.0");
        u.onReport(doc(8, "0.2.0"), true);
        assertEquals(1, launches.size(), "a newer revision tries again");
        assertFalse(Files.exists(dir().resolve("result.json")), "the old result is gone before the updater runs");
        u.onReport(doc(8, "0.2.0"), true);
        assertEquals("installing", last().path("state").asText());
        assertEquals(1, files().failures().size());
    }

    @Test
    void aStaleConfirmationIsGoneBeforeTheUpdaterRuns() throws Exception {
        Files.createDirectories(dir());
        Files.writeString(dir().resolve("confirmed"), "0.2.0\n"); // a broken 0.2.0 must confirm itself
        updater("0.1.0").onReport(doc(7, "0.2.0"), true);
        assertEquals(1, launches.size());
        assertNull(files().confirmed());
    }

    @Test
    void theNewAgentShowsConfirmingUntilItsConfirmationIsWritten() throws Exception {
        files().writePending(new Pending(7, "0.1.0", "0.2.0", T0, T0.plusSeconds(720)));
        AgentUpdater u = resumeWithPending("0.2.0", T0.plusSeconds(40));
        assertEquals("{\"revision\":7,\"version\":\"0.2.0\",\"state\":\"confirming\",\"error\":null,"
                + "\"since\":\"2026-12-01T10:00:40Z\"}", last().toString());
        u.reportDelivered();
        assertEquals("0.2.0", files().confirmed());
        assertNull(last());
    }

    @Test
    void aConfirmationThatCannotBeWrittenStaysConfirming() throws Exception {
        files().writePending(new Pending(7, "0.1.0", "0.2.0", T0, T0.plusSeconds(720)));
        Files.createDirectories(dir().resolve("confirmed"));
        AgentUpdater u = resumeWithPending("0.2.0", T0.plusSeconds(40));
        u.reportDelivered();
        assertEquals("confirming", last().path("state").asText());
        assertEquals(List.of(), events);
    }

    @Test
    void theNewAgentKeepsThePendingRecordUntilTheUpdaterSaysInstalled() throws Exception {
        files().writePending(new Pending(7, "0.1.0", "0.2.0", T0, T0.plusSeconds(720)));
        updaterRuns();
        AgentUpdater u = resumeWithPending("0.2.0", T0.plusSeconds(40));
        u.reportDelivered();
        assertEquals("0.2.0", files().confirmed());
        assertEquals(7, files().pending().revision(), "kept: the updater may still go back");
        u.onReport(doc(7, "0.2.0"), true);
        assertEquals(7, files().pending().revision());

        result("{\"version\": \"0.2.0\", \"state\": \"installed\", \"time\": \"2026-12-01T10:00:42Z\"}");
        u.onReport(doc(7, "0.2.0"), true);
        assertNull(files().pending());
        assertTrue(Files.exists(dir().resolve("result.json")), "what the last update came to");
        assertEquals(List.of("7 0.2.0: installed agent 0.2.0 (was 0.1.0)"), events);
        assertEquals(List.of(), fetches);
    }

    @Test
    void aConfirmedAgentWhoseUpdaterNeverAnswersIsDoneAtTheDeadline() throws Exception {
        files().writePending(new Pending(7, "0.1.0", "0.2.0", T0, T0.plusSeconds(720)));
        updaterRuns(); // and never writes a result
        AgentUpdater u = resumeWithPending("0.2.0", T0.plusSeconds(40));
        u.reportDelivered();
        u.onReport(doc(7, "0.2.0"), true);
        assertEquals(7, files().pending().revision());
        clock.at(T0.plusSeconds(720));
        u.onReport(doc(7, "0.2.0"), true);
        assertNull(files().pending());
        u.onReport(doc(8, "0.3.0"), true);
        assertEquals(1, fetches.size(), "idle again: a newer version can start");
    }

    @Test
    void aNewAgentStartedAgainAfterItsConfirmationIsDone() throws Exception {
        files().writePending(new Pending(7, "0.1.0", "0.2.0", T0, T0.plusSeconds(720)));
        files().writeConfirmed("0.2.0");
        resumeWithPending("0.2.0", T0.plusSeconds(90));
        assertNull(files().pending(), "the updater is gone: it saw the confirmation");
        assertNull(last());
        assertEquals(List.of("7 0.2.0: installed agent 0.2.0 (was 0.1.0)"), events,
                "said now: the run that confirmed stopped before the updater's word");
    }

    @Test
    void aNewAgentThatFindsTheUpdaterGaveUpDoesNotConfirm() throws Exception {
        files().writePending(new Pending(7, "0.1.0", "0.2.0", T0, T0.plusSeconds(720)));
        result("{\"version\": \"0.2.0\", \"state\": \"failed\", \"error\": \"the new agent did not come back online "
                + "within 120s; reinstalled 0.1.0\"}");
        AgentUpdater u = resumeWithPending("0.2.0", T0.plusSeconds(200));
        u.reportDelivered();
        assertNull(files().confirmed());
        assertEquals(7, files().pending().revision(), "left for the old agent, which records the failure");
    }

    @Test
    void theOldAgentRecordsAFailedResultEvenWithoutAPendingRecord() throws Exception {
        // the new agent confirmed late and dropped pending.json; the updater had already given up and gone back
        result("{\"version\": \"0.2.0\", \"state\": \"failed\", \"error\": \"the new agent did not come back online "
                + "within 120s; reinstalled 0.1.0\", \"time\": \"2026-12-01T10:04:00Z\"}");
        clock.at(T0.plusSeconds(300));
        AgentUpdater u = updater("0.1.0");
        u.resume();
        u.onReport(doc(7, "0.2.0"), true);
        assertEquals(List.of(), fetches, "not started again");
        assertEquals(List.of(new Failure(7, "0.2.0", "the new agent did not come back online within 120s; "
                + "reinstalled 0.1.0", T0.plusSeconds(300))), files().failures());
        assertEquals("failed", last().path("state").asText());
    }

    @Test
    void aFailedResultNamingItsRevisionIsRecordedUnderIt() throws Exception {
        result("{\"revision\": 7, \"version\": \"0.2.0\", \"state\": \"failed\", \"error\": \"dpkg -i exited 1\"}");
        AgentUpdater u = updater("0.1.0");
        u.resume();
        u.onReport(doc(8, "0.2.0"), true);
        assertEquals(List.of(new Failure(7, "0.2.0", "dpkg -i exited 1", T0)), files().failures());
        assertEquals(1, fetches.size(), "revision 8 is a newer one: it tries again");
    }

    @Test
    void leftoversOfAnAgentStoppedMidDownloadAreRemovedAtStart() throws Exception {
        Files.createDirectories(dir());
        for (String name : List.of("download.deb", ".download.deb.part", ".download.deb4711.part",
                ".agent-update.tmp")) {
            Files.writeString(dir().resolve(name), "x");
        }
        Files.writeString(dir().resolve("failed.json"), "[]");
        updater("0.1.0");
        try (var left = Files.list(dir())) {
            assertEquals(List.of("failed.json"), left.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void theDownloadOfAnUpdateUnderWayStays() throws Exception {
        files().writePending(new Pending(7, "0.1.0", "0.2.0", T0, T0.plusSeconds(720)));
        Files.writeString(dir().resolve("download.deb"), "x");
        updater("0.1.0");
        assertTrue(Files.exists(dir().resolve("download.deb")));
    }

    @Test
    void anAgentStoppedAfterTheDownloadLaunchesNothing() {
        AgentUpdater[] u = {null};
        u[0] = new AgentUpdater(state, "0.1.0", clock, reports(), (ref, arch, auth, target, max) -> {
            Files.writeString(target, "deb");
            u[0].close(); // systemctl stop berth, just as the download ends
            return new AgentPackageSource.Fetched(target, "cd".repeat(32), 3, "0.2.0");
        }, platform(), (revision, command) -> launches.add(command), script, Runnable::run);
        u[0].onReport(doc(7, "0.2.0"), true);
        assertEquals(List.of(), launches);
        assertNull(files().pending());
        assertEquals(List.of(), files().failures());
        assertFalse(Files.exists(dir().resolve("download.deb")));
    }

    @Test
    void anInterruptedLaunchIsNoFailure() throws Exception {
        launchError = new InterruptedIOException("interrupted while starting the updater");
        AgentUpdater u = updater("0.1.0");
        u.onReport(doc(7, "0.2.0"), true);
        assertEquals(List.of(), files().failures());
        assertEquals(7, files().pending().revision(), "the unit may be queued: the next start waits for its word");
        assertEquals("installing", last().path("state").asText());
    }

    @Test
    void theDeadlineBlamesTheSilentUpdaterAndSaysWhereToLook() throws Exception {
        resumeWithPending("0.1.0", T0.plusSeconds(721));
        assertEquals("no word from the updater within 12m (the 2m timeout plus 10m to install); this agent (0.1.0) "
                + "runs: see journalctl -u berth-agent-update-7 or " + dir().resolve("update.log"),
                files().failures().get(0).error());
    }

    @Test
    void aMissingUpdaterScriptSaysTheBerthPackageProvidesIt() throws Exception {
        Files.delete(script);
        updater("0.1.0").onReport(doc(7, "0.2.0"), true);
        assertEquals("cannot start the updater: " + script + " is missing; the berth package provides it: reinstall "
                + "berth", last().path("error").asText());
    }

    @Test
    void theUpdaterRunsThroughBashSoANoexecStateDirWorks() {
        updater("0.1.0").onReport(doc(7, "0.2.0"), true);
        assertEquals(List.of("r7", "/bin/bash", dir().resolve("agent-update").toString()),
                launches.get(0).subList(0, 3));
    }
}
