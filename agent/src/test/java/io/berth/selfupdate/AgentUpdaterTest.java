package io.berth.selfupdate;

import static io.berth.spec.SpecFixtures.desired;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.model.DesiredState;
import io.berth.model.RegistryAuth;
import io.berth.selfupdate.UpdateFiles.Failure;
import io.berth.selfupdate.UpdateFiles.Pending;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every rule of the agent's side of an update, with a fake clock, package source, platform and launcher. */
class AgentUpdaterTest extends UpdaterFixture {
    @Test
    void anAppliedRevisionNamingAnotherVersionDownloadsAndHandsOverToTheUpdater() throws Exception {
        AgentUpdater u = updater("0.1.0");
        u.onReport(doc(7, "0.2.0"), false);
        assertEquals(List.of(), fetches, "not applied yet: nothing happens");

        clock.at(T0.plusSeconds(5));
        u.onReport(doc(7, "0.2.0"), true);

        assertEquals(List.of(REF + " arm64 u:p download.deb " + (256L << 20)), fetches);
        Path dir = state.resolve("agent-update");
        assertEquals(List.of(List.of("r7", "/bin/bash", dir.resolve("agent-update").toString(), "--deb",
                dir.resolve("download.deb").toString(), "--dir", dir.toString(), "--version", "0.2.0", "--timeout",
                "120", "--agent-pid", "4242")), launches);
        assertEquals(Files.readString(script), Files.readString(dir.resolve("agent-update")), "a copy runs");
        assertTrue(Files.isExecutable(dir.resolve("agent-update")));
        assertEquals(new Pending(7, "0.1.0", "0.2.0", T0.plusSeconds(5), T0.plusSeconds(5).plus(Duration.ofMinutes(12))),
                files().pending());
        assertEquals(List.of("downloading", "installing"), states());
        assertEquals("{\"revision\":7,\"version\":\"0.2.0\",\"state\":\"installing\",\"error\":null,"
                + "\"since\":\"2026-12-01T10:00:05Z\"}", statuses.get(1).toString());
        assertEquals(List.of("7 0.2.0: updating the agent from 0.1.0 to 0.2.0 (" + REF + "); it restarts into it, "
                + "containers keep running"), events);
    }

    @Test
    void notTwice() {
        AgentUpdater u = updater("0.1.0");
        u.onReport(doc(7, "0.2.0"), true);
        u.onReport(doc(7, "0.2.0"), true);
        u.onReport(doc(8, "0.3.0"), true);
        assertEquals(1, fetches.size(), "one update at a time: " + fetches);
        assertEquals(1, launches.size());
    }

    @Test
    void theRunningVersionOrNoAgentKeyLeavesTheAgentAlone() {
        AgentUpdater u = updater("0.2.0");
        u.onReport(doc(7, "0.2.0"), true);
        u.onReport(doc(8, null), true);
        u.onReport(null, false);
        assertEquals(List.of(), fetches);
        assertEquals(List.of("null", "null"), states());
    }

    @Test
    void aPackageOfAnotherVersionFailsAndIsNotTriedAgainUntilANewerRevision() throws Exception {
        packageVersion = "0.1.9";
        AgentUpdater u = updater("0.1.0");
        u.onReport(doc(7, "0.2.0"), true);
        assertEquals(List.of(), launches);
        assertEquals(List.of("downloading", "failed"), states());
        String error = statuses.get(1).path("error").asText();
        assertTrue(error.contains("holds version 0.1.9, not 0.2.0"), error);
        assertEquals(List.of(new Failure(7, "0.2.0", error, T0)), files().failures());
        assertFalse(Files.exists(state.resolve("agent-update/download.deb")));
        assertNull(files().pending());
        assertTrue(events.get(0).startsWith("7 0.2.0: the agent update to 0.2.0 failed: the package"), events::toString);

        // a restarted agent, the same revision: shown, not tried
        AgentUpdater again = updater("0.1.0");
        again.onReport(doc(7, "0.2.0"), true);
        assertEquals(1, fetches.size());
        assertEquals("failed", statuses.get(statuses.size() - 1).path("state").asText());

        packageVersion = "0.2.0";
        again.onReport(doc(8, "0.2.0"), true);
        assertEquals(2, fetches.size(), "a newer revision tries again");
        assertEquals(1, launches.size());
    }

    @Test
    void aFailedDownloadSaysWhy() {
        fetchError = new IOException("registry 127.0.0.1:5000 answered 401");
        updater("0.1.0").onReport(doc(7, "0.2.0"), true);
        assertEquals("downloading the agent package " + REF + " for arm64 failed: registry 127.0.0.1:5000 answered 401",
                statuses.get(1).path("error").asText());
        assertEquals(List.of(), launches);
    }

    @Test
    void aDownloadCutShortByTheAgentStoppingIsNoFailure() {
        AgentUpdater[] u = {null};
        fetchError = new java.io.InterruptedIOException("interrupted");
        AgentUpdater withStop = new AgentUpdater(state, "0.1.0", clock, new AgentUpdater.Reports() {
            @Override
            public void status(ObjectNode update) {
                statuses.add(update == null ? null : update.deepCopy());
            }

            @Override
            public void event(long revision, String version, String message) {
                events.add(message);
            }
        }, (ref, arch, auth, target, max) -> {
            u[0].close();
            throw fetchError;
        }, platform(), (revision, command) -> launches.add(command), script, Runnable::run);
        u[0] = withStop;
        withStop.onReport(doc(7, "0.2.0"), true);
        assertEquals(List.of(), files().failures(), "the next start tries again");
        assertEquals(List.of("downloading"), states());
        assertEquals(List.of(), events);
    }

    @Test
    void anAgentNotInstalledFromThePackageFailsAtOnce() {
        fromPackage = false;
        AgentUpdater u = updater("0.1.0");
        u.onReport(doc(7, "0.2.0"), true);
        assertEquals(List.of(), fetches);
        assertEquals(List.of("failed"), states());
        assertEquals("this agent was not installed from the berth package; update it by hand",
                statuses.get(0).path("error").asText());
        u.onReport(doc(7, "0.2.0"), true);
        assertEquals(List.of(), fetches, "not retried");
    }

    @Test
    void anUpdaterThatCannotStartIsAFailureAndLeavesNoPendingRecord() {
        launchError = new IOException("systemd-run exited with 1: Unit berth-agent-update-7.service already exists");
        updater("0.1.0").onReport(doc(7, "0.2.0"), true);
        assertNull(files().pending());
        assertEquals(List.of("downloading", "installing", "failed"), states());
        assertTrue(statuses.get(2).path("error").asText().contains("Unit berth-agent-update-7.service already exists"));
    }

    @Test
    void theNewAgentConfirmsOnceItsFirstReportIsDelivered() throws Exception {
        files().writePending(new Pending(7, "0.1.0", "0.2.0", T0, T0.plusSeconds(720)));
        updaterRuns();
        Files.writeString(state.resolve("agent-update/download.deb"), "deb");
        AgentUpdater u = resumeWithPending("0.2.0", T0.plusSeconds(40));
        assertNull(files().confirmed(), "not before the report is delivered");
        u.onReport(doc(7, "0.2.0"), true);
        assertEquals(List.of(), fetches);

        u.reportDelivered();

        assertEquals("0.2.0", files().confirmed());
        assertEquals(7, files().pending().revision(), "until the updater says installed");
        Files.writeString(state.resolve("agent-update/result.json"), "{\"version\": \"0.2.0\", \"state\": \"installed\"}");
        u.onReport(doc(7, "0.2.0"), true);
        assertNull(files().pending());
        assertFalse(Files.exists(state.resolve("agent-update/download.deb")));
        assertEquals(List.of("7 0.2.0: installed agent 0.2.0 (was 0.1.0)"), events);
        assertNull(statuses.get(statuses.size() - 1));
        u.reportDelivered();
        assertEquals(1, events.size(), "confirmed once");
    }

    @Test
    void theOldAgentBackAfterAFailureReadsTheUpdatersResultAndDoesNotRetry() throws Exception {
        files().writePending(new Pending(7, "0.1.0", "0.2.0", T0, T0.plusSeconds(720)));
        Files.writeString(state.resolve("agent-update/result.json"), "{\"version\": \"0.2.0\", \"state\": \"failed\", "
                + "\"error\": \"the new agent did not confirm within 120 s; 0.1.0 reinstalled\", \"time\": \"2026-12-01T10:04:00Z\"}");
        AgentUpdater u = resumeWithPending("0.1.0", T0.plusSeconds(300));
        assertNull(files().pending());
        assertEquals(List.of(new Failure(7, "0.2.0", "the new agent did not confirm within 120 s; 0.1.0 reinstalled",
                T0.plusSeconds(300))), files().failures());
        assertEquals("{\"revision\":7,\"version\":\"0.2.0\",\"state\":\"failed\",\"error\":\"the new agent did not "
                + "confirm within 120 s; 0.1.0 reinstalled\",\"since\":\"2026-12-01T10:05:00Z\"}",
                statuses.get(0).toString());
        assertEquals(List.of("7 0.2.0: the agent update to 0.2.0 failed: the new agent did not confirm within 120 s; "
                + "0.1.0 reinstalled"), events);
        u.onReport(doc(7, "0.2.0"), true);
        assertEquals(List.of(), fetches, "not retried for this revision");
        assertEquals("failed", statuses.get(statuses.size() - 1).path("state").asText());
    }

    @Test
    void withoutAResultThePassedDeadlineIsTheFailure() throws Exception {
        resumeWithPending("0.1.0", T0.plusSeconds(721));
        assertTrue(files().failures().get(0).error().startsWith("no word from the updater within 12m"),
                files().failures()::toString);
        assertEquals(List.of("failed"), states());
    }

    @Test
    void whileTheUpdaterWorksItShowsInstallingAndLooksAgainWithEachReport() throws Exception {
        AgentUpdater u = resumeWithPending("0.1.0", T0.plusSeconds(30));
        assertEquals("{\"revision\":7,\"version\":\"0.2.0\",\"state\":\"installing\",\"error\":null,"
                + "\"since\":\"2026-12-01T10:00:00Z\"}", statuses.get(0).toString());
        u.onReport(doc(7, "0.2.0"), true);
        assertEquals(List.of(), fetches, "no second update while one is under way");
        assertEquals(1, statuses.size());

        clock.at(T0.plusSeconds(721));
        u.onReport(doc(7, "0.2.0"), true);
        assertEquals(List.of("installing", "failed"), states().subList(0, 2));
        assertNull(files().pending());
        assertEquals(List.of(), fetches);
    }

    @Test
    void theUpdatersResultEndsTheWaitBeforeTheDeadline() throws Exception {
        AgentUpdater u = resumeWithPending("0.1.0", T0);
        Files.writeString(state.resolve("agent-update/result.json"), "{\"version\": \"0.2.0\", \"state\": \"failed\", "
                + "\"error\": \"dpkg: error processing archive\"}");
        u.onReport(null, false);
        assertEquals("dpkg: error processing archive", files().failures().get(0).error());
    }

    @Test
    void aDocumentWithoutAgentClearsAShownFailure() throws Exception {
        files().addFailure(new Failure(7, "0.2.0", "x", T0));
        AgentUpdater u = updater("0.1.0");
        u.onReport(doc(7, "0.2.0"), true);
        u.onReport(doc(8, null), true);
        assertEquals(List.of("failed", "null"), states());
    }

    @Test
    void theCredentialsAreThoseOfThePackagesRegistryOnly() {
        DesiredState other = desired("{\"revision\": 3, \"services\": {}, \"registries\": {\"registry.example.com\": "
                + "{\"username\": \"u\", \"password\": \"p\"}}, \"agent\": {\"version\": \"0.2.0\", \"package\": \""
                + REF + "\"}}");
        updater("0.1.0").onReport(other, true);
        assertEquals(List.of(REF + " arm64 - download.deb " + (256L << 20)), fetches);
    }
}
