package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.localapi.ControlClient;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code apply --wait}: follows the agent's events for the revision (pull progress as bars,
 * the rest as lines) and asks for its report until the revision converged, failed, was rolled
 * back or the time is up. The report decides; the events only show the way.
 */
final class ApplyWait {
    private static final Duration POLL = Duration.ofMillis(500);

    private final Io io;
    private final ControlClient client;
    /** Counted down when the events showed the revision's end, so the last lines are out before berth exits. */
    private final java.util.concurrent.CountDownLatch shownEnd = new java.util.concurrent.CountDownLatch(1);

    ApplyWait(Io io, ControlClient client) {
        this.io = io;
        this.client = client;
    }

    Convergence await(long revision, long sinceMillis, Duration timeout) throws IOException {
        Progress progress = io.progress();
        Thread events = new Thread(() -> follow(revision, sinceMillis, progress), "berth-apply-events");
        events.setDaemon(true);
        events.start();
        try {
            Instant deadline = io.clock().instant().plus(timeout);
            while (true) {
                JsonNode report = client.call("status", null).path("report");
                Convergence verdict = Convergence.of(report, revision);
                if (verdict.outcome() != Convergence.Outcome.PENDING) {
                    shownEnd.await(1, java.util.concurrent.TimeUnit.SECONDS);
                    return verdict;
                }
                if (io.clock().instant().isAfter(deadline)) {
                    return new Convergence(Convergence.Outcome.FAILED, "revision " + revision + " did not converge "
                            + "within " + timeout.toSeconds() + " s (" + verdict.message() + "); 'berth status' shows "
                            + "why", null);
                }
                Thread.sleep(POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Convergence(Convergence.Outcome.FAILED, "interrupted while waiting", null);
        } finally {
            events.interrupt();
        }
    }

    /** Shows the revision's events until the process ends (a daemon thread: the connection goes with it). */
    private void follow(long revision, long sinceMillis, Progress progress) {
        try {
            new ControlClient(client.socket()).stream("events", Io.JSON.createObjectNode().put("follow", true)
                    .put("since", sinceMillis), event -> {
                        if (event.path("revision").asLong() != revision || Thread.currentThread().isInterrupted()) {
                            return;
                        }
                        String type = event.path("type").asText();
                        String service = event.path("service").asText("");
                        if (type.equals("pull-progress")) {
                            progress.update("pull " + service, event.path("bytes").asLong(),
                                    event.path("totalBytes").asLong());
                        } else if (type.equals("pulled")) {
                            progress.done("pull " + service, event.path("message").asText());
                        } else {
                            progress.say(type + (service.isEmpty() ? "" : " " + service) + ": "
                                    + event.path("message").asText());
                        }
                        if (type.equals("converged") || type.equals("failed") || type.equals("rollback")) {
                            shownEnd.countDown();
                        }
                    });
        } catch (IOException e) {
            // no progress to show: the report still decides
        }
    }
}
