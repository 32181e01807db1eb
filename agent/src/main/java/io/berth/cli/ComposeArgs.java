package io.berth.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Compose options of the verbs that read a Compose project (apply, validate, publish,
 * bundle create): {@code -f FILE}/{@code --file FILE} (repeatable, merged in order) and
 * {@code --profile NAME} (repeatable), taken out before the verb reads its own options.
 *
 * @param rest the verb's other arguments, in order
 */
record ComposeArgs(List<Path> files, List<String> profiles, List<String> rest) {

    static ComposeArgs extract(List<String> args) throws Args.UsageException {
        List<Path> files = new ArrayList<>();
        List<String> profiles = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                rest.addAll(args.subList(i, args.size()));
                break;
            }
            String name = a.contains("=") && a.startsWith("--") ? a.substring(0, a.indexOf('=')) : a;
            if (!name.equals("-f") && !name.equals("--file") && !name.equals("--profile")) {
                rest.add(a);
                continue;
            }
            String value = !name.equals(a) ? a.substring(a.indexOf('=') + 1)
                    : i + 1 < args.size() ? args.get(++i) : null;
            if (value == null || value.isEmpty()) {
                throw new Args.UsageException(name + " needs a value");
            }
            if (name.equals("--profile")) {
                profiles.add(value);
            } else {
                files.add(Path.of(value));
            }
        }
        return new ComposeArgs(files, profiles, rest);
    }

    /** The files to read: the {@code -f} ones, then a positional FILE; empty when neither is given. */
    List<Path> filesWith(List<String> positional) {
        List<Path> all = new ArrayList<>(files);
        positional.forEach(p -> all.add(Path.of(p)));
        return all;
    }
}
