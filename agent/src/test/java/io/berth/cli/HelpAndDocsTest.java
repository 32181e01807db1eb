package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 'berth help VERB' and 'berth VERB --help' for every verb, and the completion and man pages made from them. */
class HelpAndDocsTest {

    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, Map.of("BERTH_SOCKET", "/nonexistent/berth.sock"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void everyVerbHasHelpBothWaysExitingZero() {
        for (String verb : DocsGenerator.VERBS) {
            String[] dashed = run(verb, "--help");
            assertEquals("0", dashed[0], verb + ": " + dashed[2]);
            assertTrue(dashed[1].startsWith("Usage: berth " + verb), verb + ": " + dashed[1]);
            String[] viaHelp = run("help", verb);
            assertEquals("0", viaHelp[0], verb);
            assertEquals(dashed[1], viaHelp[1], verb);
            assertEquals(dashed[1], run(verb, "-h")[1], verb);
            if (!verb.equals("fleet") && !verb.equals("cmd")) { // the fleet verbs' help is wider (io.berth.fleet)
                dashed[1].lines().forEach(line -> assertTrue(line.length() <= 80, verb + ": " + line));
            }
        }
        assertEquals("2", run("help", "frobnicate")[0]);
        assertTrue(run("help")[1].contains("Commands for a running agent"));
    }

    @Test
    void everyVerbOfTheUsageTextIsListed() {
        for (String line : Main.USAGE_TEXT.split("\n")) {
            if (line.matches("  [a-z][a-z-]+( .*)?")) {
                for (String word : line.strip().split("\\s+\\|\\s+|\\s+")) {
                    if (word.matches("[a-z][a-z-]+") && !word.equals("create")) {
                        assertTrue(DocsGenerator.VERBS.contains(word), "'" + word + "' of: " + line);
                    }
                    break;
                }
            }
        }
    }

    @Test
    void completionAndManPagesComeFromTheHelp(@TempDir Path dir) throws Exception {
        DocsGenerator.write(dir);
        String bash = Files.readString(dir.resolve("bash-completion/berth"));
        assertTrue(bash.contains("logs) opts=\"") && bash.contains("--follow") && bash.contains("--until"), bash);
        assertTrue(bash.contains("volumes) opts=") && bash.contains("words=\"ls rm prune\""), bash);
        Process check = new ProcessBuilder("bash", "-n", dir.resolve("bash-completion/berth").toString())
                .redirectErrorStream(true).start();
        assertEquals(0, check.waitFor(), new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        String zsh = Files.readString(dir.resolve("zsh/_berth"));
        assertTrue(zsh.startsWith("#compdef berth") && zsh.contains("'exec:run a command in a service"), zsh);
        for (String verb : DocsGenerator.VERBS) {
            Path page = dir.resolve("man/man1/berth-" + verb + ".1.gz");
            try (var in = new GZIPInputStream(Files.newInputStream(page))) {
                String roff = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(roff.startsWith(".TH BERTH-" + verb.toUpperCase() + " 1"), roff);
                assertTrue(roff.contains("Usage: berth " + verb.replace("-", "\\-")), roff);
            }
        }
        assertTrue(Files.size(dir.resolve("man/man1/berth.1.gz")) > 500);
    }
}
