package io.berth.cli;

import io.berth.spec.DocumentParser;
import io.berth.spec.ParsedDocument;
import io.berth.spec.SpecError;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code berth validate FILE}: a desired document or a plain Compose file (no revision needed),
 * resolved as the client would send it, then checked whole. Prints each error as
 * {@code path: message} and each warning as {@code path: warning: message}; exit 0 when valid,
 * 1 when invalid, 2 when the file cannot be read. Needs no agent; never a stack trace.
 */
final class ValidateCommand {
    static final int VALID = 0;
    static final int INVALID = 1;
    static final int UNREADABLE = 2;

    private ValidateCommand() {}

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        ComposeArgs compose;
        try {
            compose = ComposeArgs.extract(List.of(args).subList(1, args.length));
        } catch (Args.UsageException e) {
            compose = null;
        }
        if (compose == null || compose.filesWith(compose.rest()).isEmpty() || compose.rest().size() > 1
                || compose.rest().stream().anyMatch(a -> a.startsWith("-"))) {
            err.println("Usage: berth validate FILE | -f FILE [-f FILE…] [--profile NAME]   (JSON or Compose YAML; "
                    + "variables from the environment and .env)");
            return UNREADABLE;
        }
        List<Path> files = compose.filesWith(compose.rest());
        Path file = files.get(0);
        try {
            return validate(files, compose.profiles(), env, out, err);
        } catch (RuntimeException | StackOverflowError e) {
            // whatever the file holds: a message, never a stack trace
            err.println("berth validate: " + file + " cannot be checked: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
            return UNREADABLE;
        }
    }

    private static int validate(List<Path> files, List<String> profiles, Map<String, String> env, PrintStream out,
                                PrintStream err) {
        Path file = files.get(0);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            err.println("berth validate: cannot read " + file + (Files.exists(file) ? "" : ": no such file"));
            return UNREADABLE;
        }
        ComposeFile compose;
        try {
            compose = ComposeFile.load(files, profiles, env);
        } catch (IOException e) {
            err.println("berth validate: " + e.getMessage());
            return UNREADABLE;
        }
        List<SpecError> errors = new ArrayList<>(compose.errors());
        List<SpecError> warnings = new ArrayList<>(compose.warnings());
        ParsedDocument parsed = compose.document() == null || compose.document().isNull()
                ? new ParsedDocument.Invalid(null, List.of(new SpecError("", "the document is empty")))
                : DocumentParser.parseLocal(compose.document());
        warnings.addAll(parsed.warnings());
        if (parsed instanceof ParsedDocument.Invalid invalid) {
            // a value that failed to interpolate was kept as written: its parse error would say it twice
            java.util.Set<String> failed = new java.util.HashSet<>();
            compose.errors().forEach(e -> failed.add(e.path()));
            invalid.errors().stream().filter(e -> !failed.contains(e.path())).forEach(errors::add);
        }
        for (SpecError w : warnings) {
            out.println(where(w) + ": warning: " + w.message());
        }
        for (SpecError e : errors) {
            out.println(where(e) + ": " + e.message());
        }
        if (!errors.isEmpty()) {
            err.println(file + ": invalid, " + errors.size() + (errors.size() == 1 ? " error" : " errors")
                    + (warnings.isEmpty() ? "" : ", " + warnings.size() + " warnings"));
            return INVALID;
        }
        var state = ((ParsedDocument.Valid) parsed).state();
        err.println(file + ": valid (" + state.services().size() + " services, " + state.volumes().size()
                + " volumes, " + state.networks().size() + " networks"
                + (warnings.isEmpty() ? "" : ", " + warnings.size() + " warnings") + ")");
        return VALID;
    }

    private static String where(SpecError e) {
        return e.path().isEmpty() ? "(document)" : e.path();
    }
}
