package io.berth.cli;

import io.berth.support.Version;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * Generates, at build time, the bash and zsh completion and the man pages of {@code berth} from
 * the verbs' own {@code --help} texts, so they never drift from the program:
 * {@code bash-completion/berth}, {@code zsh/_berth} and {@code man/man1/berth*.1.gz} under
 * the directory given (the build uses {@code agent/target/generated-docs}).
 */
public final class DocsGenerator {
    /** Every verb a user types; 'berth help VERB' and 'VERB --help' work for each. */
    static final List<String> VERBS = List.of("agent", "validate", "keygen", "sign", "version", "help", "status",
            "logs", "start", "stop", "restart", "exec", "events", "volumes", "pause", "resume", "apply", "config",
            "doctor", "support-bundle", "load", "bundle", "publish", "watch", "fleet", "cmd");
    private static final Pattern OPTION = Pattern.compile("(?<![\\w-])(--?[a-zA-Z][\\w-]*)");
    private static final Map<String, List<String>> WORDS = Map.of("volumes", List.of("ls", "rm", "prune"),
            "bundle", List.of("create"), "fleet", List.of("ls", "rollout", "serve", "agent-package", "agent-update"),
            "help", VERBS);

    private DocsGenerator() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: DocsGenerator DIR");
            System.exit(2);
        }
        write(Path.of(args[0]));
    }

    static void write(Path dir) throws IOException {
        Map<String, String> help = new LinkedHashMap<>();
        for (String verb : VERBS) {
            help.put(verb, helpOf(verb));
        }
        Path bash = dir.resolve("bash-completion/berth");
        Path zsh = dir.resolve("zsh/_berth");
        Path man = dir.resolve("man/man1");
        Files.createDirectories(bash.getParent());
        Files.createDirectories(zsh.getParent());
        Files.createDirectories(man);
        Files.writeString(bash, bash(help));
        Files.writeString(zsh, zsh(help));
        gzip(man.resolve("berth.1.gz"), page("berth", "a small-footprint container agent for edge devices",
                Main.USAGE_TEXT, help.keySet()));
        for (var e : help.entrySet()) {
            gzip(man.resolve("berth-" + e.getKey() + ".1.gz"), page("berth-" + e.getKey(), summary(e.getKey()),
                    e.getValue(), List.of()));
        }
    }

    /** What {@code berth VERB --help} prints; it must say "Usage:" and exit 0. */
    static String helpOf(String verb) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {verb, "--help"}, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        if (code != 0 || !text.startsWith("Usage:")) {
            throw new IllegalStateException("berth " + verb + " --help exited " + code + " with: " + text + err);
        }
        return text;
    }

    static TreeSet<String> options(String help) {
        TreeSet<String> options = new TreeSet<>();
        Matcher m = OPTION.matcher(help);
        while (m.find()) {
            options.add(m.group(1));
        }
        options.add("--help");
        return options;
    }

    /** The verb's line in the usage text, e.g. "what runs: phase, revisions, services". */
    static String summary(String verb) {
        String[] lines = Main.USAGE_TEXT.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String trimmed = line.strip();
            if (line.startsWith("  ") && (trimmed.startsWith(verb + " ") || trimmed.equals(verb)
                    || trimmed.matches("(\\S+ \\| )*" + Pattern.quote(verb) + "( \\| \\S+)*( .*)?"))) {
                String[] parts = trimmed.split("\\s{2,}", 2);
                if (parts.length == 2) {
                    return parts[1];
                }
                if (i + 1 < lines.length && lines[i + 1].startsWith("      ")) {
                    return lines[i + 1].strip();
                }
            }
        }
        return "berth " + verb;
    }

    static String bash(Map<String, String> help) {
        StringBuilder cases = new StringBuilder();
        help.forEach((verb, text) -> cases.append("        ").append(verb).append(") opts=\"")
                .append(String.join(" ", options(text))).append("\"; words=\"")
                .append(String.join(" ", WORDS.getOrDefault(verb, List.of()))).append("\" ;;\n"));
        return """
                # bash completion for berth (generated from 'berth VERB --help' at build time)
                _berth() {
                    local cur="${COMP_WORDS[COMP_CWORD]}" opts="" words=""
                    if [ "$COMP_CWORD" -eq 1 ]; then
                        COMPREPLY=( $(compgen -W "%s" -- "$cur") )
                        return
                    fi
                    case "${COMP_WORDS[1]}" in
                %s    esac
                    if [[ "$cur" == -* ]]; then
                        COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
                    elif [ -n "$words" ] && [ "$COMP_CWORD" -eq 2 ]; then
                        COMPREPLY=( $(compgen -W "$words" -- "$cur") )
                    else
                        COMPREPLY=( $(compgen -f -- "$cur") )
                    fi
                }
                complete -F _berth berth
                """.formatted(String.join(" ", help.keySet()), cases);
    }

    static String zsh(Map<String, String> help) {
        StringBuilder verbs = new StringBuilder();
        StringBuilder cases = new StringBuilder();
        help.forEach((verb, text) -> {
            verbs.append("    '").append(verb).append(':').append(summary(verb).replace("'", "'\\''").replace(":", "\\:"))
                    .append("'\n");
            cases.append("    (").append(verb).append(") compadd -- ").append(String.join(" ", options(text)))
                    .append(' ').append(String.join(" ", WORDS.getOrDefault(verb, List.of()))).append("; _files ;;\n");
        });
        return """
                #compdef berth
                # zsh completion for berth (generated from 'berth VERB --help' at build time)
                local -a verbs
                verbs=(
                %s)
                if (( CURRENT == 2 )); then
                  _describe 'berth command' verbs
                  return
                fi
                case $words[2] in
                %s  (*) _files ;;
                esac
                """.formatted(verbs, cases);
    }

    static String page(String name, String summary, String text, Iterable<String> seeAlso) {
        StringBuilder roff = new StringBuilder();
        roff.append(".TH ").append(name.toUpperCase()).append(" 1 \"\" \"berth ").append(Version.current())
                .append("\" \"Berth manual\"\n.SH NAME\n").append(name).append(" \\- ").append(escape(summary))
                .append("\n.SH DESCRIPTION\n.nf\n");
        for (String line : text.split("\n", -1)) {
            String escaped = escape(line);
            roff.append(escaped.startsWith(".") || escaped.startsWith("'") ? "\\&" : "").append(escaped).append('\n');
        }
        roff.append(".fi\n");
        StringBuilder also = new StringBuilder();
        seeAlso.forEach(v -> also.append(also.length() == 0 ? "" : ",\n").append(".BR berth-").append(v).append(" (1)"));
        if (also.length() > 0) {
            roff.append(".SH SEE ALSO\n").append(also).append('\n');
        } else {
            roff.append(".SH SEE ALSO\n.BR berth (1)\n");
        }
        return roff.toString();
    }

    private static String escape(String text) {
        return text.replace("\\", "\\e").replace("-", "\\-");
    }

    private static void gzip(Path file, String content) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
    }
}
