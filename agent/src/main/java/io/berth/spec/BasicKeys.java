package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.RestartPolicy;
import io.berth.model.RunState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The service keys of what runs and how it is named: image, command, environment, user, restart, state… */
final class BasicKeys {
    /** The engine's rule for container and volume names: at least two characters. */
    static final Pattern CONTAINER_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{1,254}");

    private BasicKeys() {}

    static void register(Map<String, ServiceKeys.KeyReader> t) {
        t.put("image", BasicKeys::image);
        t.put("container_name", (s, path, value) -> {
            String given = s.r.string(path, value);
            if (given != null && !CONTAINER_NAME.matcher(given).matches()) {
                s.r.error(path, "'" + given + "' is not a container name the engine takes: at least two "
                        + "characters, starting with a letter or digit, then letters, digits, '_', '.', '-'");
            } else if (given != null) {
                s.containerName = given;
            }
        });
        t.put("build", (s, path, value) -> {
            if (s.node.hasNonNull("image")) {
                s.r.warning(path, "ignored: Berth does not build images; it pulls 'image'");
            } else {
                s.r.error(path, "Berth does not take 'build' without 'image': " + ServiceKeys.NEVER.get("build"));
            }
        });
        t.put("command", (s, path, value) -> s.command = command(s.r, path, value));
        t.put("entrypoint", (s, path, value) -> s.entrypoint = command(s.r, path, value));
        t.put("environment", (s, path, value) -> s.environment = s.r.keyValues(path, value, true));
        t.put("ports", PortSyntax::read);
        t.put("volumes", MountSyntax::read);
        t.put("restart", (s, path, value) -> {
            String text = s.r.string(path, value);
            if (text != null) {
                s.restart = RestartPolicy.parse(text);
                if (s.restart == null) {
                    s.r.error(path, "'" + text + "' is not a restart policy: use no, always, on-failure, "
                            + "on-failure:N or unless-stopped");
                }
            }
        });
        t.put("state", (s, path, value) -> {
            String text = s.r.string(path, value);
            if (text != null) {
                s.state = RunState.fromKeyword(text);
                if (s.state == null) {
                    s.r.error(path, "'" + text + "' is not a state: use running or stopped");
                    s.state = RunState.RUNNING;
                }
            }
        });
        t.put("labels", (s, path, value) -> s.out.labels.putAll(s.r.keyValues(path, value, false)));
        t.put("hostname", (s, path, value) -> s.out.hostname = s.hostname(path, value));
        t.put("domainname", (s, path, value) -> s.out.domainname = s.hostname(path, value));
        t.put("working_dir", (s, path, value) -> {
            String dir = s.r.string(path, value);
            if (dir != null && !dir.startsWith("/")) {
                s.r.error(path, "'" + dir + "' must be an absolute path in the container");
            } else {
                s.out.workingDir = dir;
            }
        });
        t.put("user", (s, path, value) -> s.out.user = s.r.scalar(path, value));
        t.put("group_add", (s, path, value) -> s.out.groupAdd.addAll(s.r.strings(path, value, false)));
        t.put("read_only", (s, path, value) -> s.out.readOnly = s.r.bool(path, value));
        t.put("tty", (s, path, value) -> s.out.tty = s.r.bool(path, value));
        t.put("stdin_open", (s, path, value) -> s.out.stdinOpen = s.r.bool(path, value));
        t.put("init", (s, path, value) -> s.out.init = s.r.bool(path, value) ? Boolean.TRUE : null);
        t.put("platform", (s, path, value) -> {
            String platform = s.r.string(path, value);
            if (platform != null && !platform.matches("[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?")) {
                s.r.error(path, "'" + platform + "' is not a platform: write OS/ARCH[/VARIANT], e.g. linux/arm64");
            } else {
                s.out.platform = platform;
            }
        });
        t.put("runtime", (s, path, value) -> s.out.runtime = s.r.string(path, value));
        t.put("pull_policy", (s, path, value) -> {
            String policy = s.r.string(path, value);
            if (policy == null) {
                return;
            }
            switch (policy) {
                case "missing", "if_not_present" -> s.out.pullPolicy = "missing";
                case "always", "never" -> s.out.pullPolicy = policy;
                case "build" -> s.r.error(path, "'build': Berth does not build images: use missing, always or never");
                default -> s.r.error(path, "'" + policy + "' is not a pull policy: use missing, always or never");
            }
        });
        t.put("stop_grace_period", (s, path, value) -> s.out.stopGraceNanos = s.r.duration(path, value));
        t.put("stop_signal", (s, path, value) -> {
            String text = s.r.scalar(path, value);
            if (text != null) {
                s.out.stopSignal = Values.signal(text);
                if (s.out.stopSignal == null) {
                    s.r.error(path, "'" + text + "' is not a signal: use a name such as SIGTERM, SIGINT, SIGQUIT, "
                            + "or a number 1 to 64");
                }
            }
        });
        t.put("tmpfs", (s, path, value) -> s.r.list(path, value, true, (p, v) -> {
            String text = s.r.scalar(p, v);
            if (text == null) {
                return;
            }
            int colon = text.indexOf(':');
            String target = colon < 0 ? text : text.substring(0, colon);
            if (!target.startsWith("/")) {
                s.r.error(p, "'" + text + "' must be an absolute path in the container, with options after ':'");
            } else {
                s.out.tmpfs.put(target, colon < 0 ? "" : text.substring(colon + 1));
            }
        }));
        t.put("volumes_from", (s, path, value) -> s.r.list(path, value, false, (p, v) -> {
            String text = s.r.scalar(p, v);
            if (text == null) {
                return;
            }
            String[] parts = text.split(":");
            String last = parts[parts.length - 1];
            String mode = parts.length > 1 && (last.equals("ro") || last.equals("rw")) ? last : null;
            if (parts[0].equals("container")) {
                s.r.error(p, "'" + text + "': Berth takes volumes only from services of the same document: name "
                        + "the service");
                return;
            }
            if (parts.length > (mode == null ? 1 : 2)) {
                s.r.error(p, "'" + text + "' must be SERVICE[:ro|:rw]");
                return;
            }
            String container = s.serviceContainer(p, parts[0], "volumes_from");
            if (container != null) {
                s.out.volumesFrom.add(container + (mode == null ? "" : ":" + mode));
            }
        }));
    }

    private static void image(ServiceDraft s, String path, JsonNode value) {
        String image = s.r.string(path, value);
        if (image == null) {
            return;
        }
        if (image.isBlank() || image.chars().anyMatch(Character::isWhitespace) || image.endsWith(":")
                || image.endsWith("/") || image.endsWith("@") || image.startsWith("/") || image.contains("//")
                || image.startsWith(":")) {
            s.r.error(path, "'" + image + "' is not an image reference: name it as registry/repository:tag");
            return;
        }
        s.image = image;
    }

    /** A command or entrypoint: a list of words, or a string split as a shell would (without running one). */
    static List<String> command(Reader r, String path, JsonNode value) {
        if (value.isNull()) {
            return null;
        }
        if (value.isTextual()) {
            try {
                return ShellWords.split(value.asText());
            } catch (IllegalArgumentException e) {
                r.error(path, e.getMessage());
                return null;
            }
        }
        if (!value.isArray()) {
            r.error(path, "must be a string or a list of strings, found " + Reader.describe(value));
            return null;
        }
        List<String> words = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            JsonNode word = value.get(i);
            if (word.isValueNode() && !word.isNull()) {
                words.add(word.asText());
            } else {
                r.error(path + "[" + i + "]", "must be a string, found " + Reader.describe(word));
            }
        }
        return words;
    }
}
