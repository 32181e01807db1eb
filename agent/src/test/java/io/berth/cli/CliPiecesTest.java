package io.berth.cli;

import io.berth.support.Args;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure parts of the technician's verbs: verdicts, progress, exec options, the dry-run view. */
class CliPiecesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void convergenceIsReadFromTheReport() throws Exception {
        assertEquals(Convergence.Outcome.CONVERGED, Convergence.of(json(
                "{\"phase\":\"converged\",\"revision\":{\"desired\":3,\"applied\":3}}"), 3).outcome());
        assertEquals(Convergence.Outcome.PENDING, Convergence.of(json(
                "{\"phase\":\"converged\",\"revision\":{\"desired\":3,\"applied\":2}}"), 3).outcome());
        assertEquals(Convergence.Outcome.PENDING, Convergence.of(json(
                "{\"phase\":\"degraded\",\"revision\":{\"desired\":3,\"applied\":2}}"), 3).outcome());
        Convergence rolledBack = Convergence.of(json("{\"phase\":\"rolled-back\",\"revision\":{\"desired\":3,"
                + "\"applied\":2},\"rollback\":{\"revision\":3,\"reason\":\"web not healthy\"}}"), 3);
        assertEquals(Convergence.Outcome.FAILED, rolledBack.outcome());
        assertEquals("revision 3 rolled-back: web not healthy", rolledBack.message());
        Convergence rejected = Convergence.of(json("{\"phase\":\"converged\",\"revision\":{\"desired\":2,\"applied\":2},"
                + "\"rejected\":{\"revision\":3,\"reason\":\"bad\",\"errors\":[{\"path\":\"services.x\",\"message\":\"m\"}]}}"),
                3);
        assertEquals(Convergence.Outcome.FAILED, rejected.outcome());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        rejected.printErrors(new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals("  services.x: m\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void progressIsABarOnATerminalAndFewLinesElsewhere() {
        assertEquals("pull web: [============>           ] 50 B/100 B 50%", Progress.line("pull web", 50, 100));
        assertEquals("load x: 1.5 MiB", Progress.line("load x", 1536 * 1024, 0));
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        Progress lines = new Progress(new PrintStream(plain, true, StandardCharsets.UTF_8), false);
        for (int i = 0; i <= 100; i++) {
            lines.update("pull web", i, 100);
        }
        lines.done("pull web", "pulled");
        List<String> printed = plain.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(6, printed.size(), printed.toString()); // 0, 25, 50, 75, 100 % and the end
        assertTrue(printed.get(5).equals("pull web: pulled"), printed.toString());
        ByteArrayOutputStream tty = new ByteArrayOutputStream();
        Progress bar = new Progress(new PrintStream(tty, true, StandardCharsets.UTF_8), true);
        bar.update("pull web", 10, 100);
        bar.update("pull web", 20, 100);
        assertTrue(tty.toString(StandardCharsets.UTF_8).startsWith("\r") && !tty.toString(StandardCharsets.UTF_8)
                .contains("\n"), "redrawn in place");
    }

    @Test
    void execOptionsEndAtTheService() throws Exception {
        ExecCommand.Options o = ExecCommand.Options.parse(List.of("-T", "-e", "A=b", "--user=1000", "web", "ls", "-l"));
        assertEquals("web", o.service());
        assertEquals(List.of("ls", "-l"), o.command());
        assertEquals(Boolean.FALSE, o.tty());
        assertEquals("1000", o.user());
        assertEquals(List.of("A=b"), o.env());
        assertEquals(List.of("sh", "-c", "x"), ExecCommand.Options.parse(List.of("web", "--", "sh", "-c", "x")).command());
        assertEquals(List.of("--help"), ExecCommand.Options.parse(List.of("--", "web", "--help")).command());
        assertThrows(Args.UsageException.class, () -> ExecCommand.Options.parse(List.of("web")));
        assertThrows(Args.UsageException.class, () -> ExecCommand.Options.parse(List.of("-e", "novalue", "web", "ls")));
        assertThrows(Args.UsageException.class, () -> ExecCommand.Options.parse(List.of("--frob", "web", "ls")));
    }

    @Test
    void theDryRunReadsAsADiff() throws Exception {
        String view = DryRunView.render(json("""
                {"revision":3,"acceptedRevision":2,"changes":[
                  {"action":"replace","kind":"service","name":"web","why":"image changed"},
                  {"action":"keep","kind":"volume","name":"data","why":"present"}],
                 "firstSteps":["pull 127.0.0.1:5000/demo/busybox:2 for web"],"blocked":{"db":"name clash"}}"""), "c.yaml");
        assertTrue(view.startsWith("Dry run: c.yaml as revision 3 (accepted now: 2); nothing was changed."), view);
        assertTrue(view.contains("  ~ replace  service  web   image changed\n"), view);
        assertTrue(view.contains("  = keep     volume   data  present\n"), view);
        assertTrue(view.contains("First steps the planner would run now:\n  pull"), view);
        assertTrue(view.contains("Blocked:\n  db: name clash"), view);
        String rejected = DryRunView.render(json("{\"rejected\":\"not valid\",\"errors\":[{\"path\":\"p\",\"message\":"
                + "\"m\"}]}"), "c.yaml");
        assertEquals("c.yaml would be rejected: not valid\n  p: m\n", rejected);
    }

    @Test
    void timesTakeWhatDockerTakes() throws Exception {
        java.time.Instant now = java.time.Instant.parse("2026-11-23T10:00:00Z");
        assertEquals(now, Times.instant("--until", "0s", now));
        assertEquals(java.time.Instant.ofEpochMilli(1700000000500L), Times.instant("--since", "1700000000.5", now));
        Args.UsageException e = assertThrows(Args.UsageException.class, () -> Times.instant("--until", "soon", now));
        assertTrue(e.getMessage().startsWith("--until takes"), e.getMessage());
    }
}
