package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.AgentUpdate;
import io.berth.model.ImageRef;
import java.time.Duration;
import java.util.regex.Pattern;

/** The top-level {@code agent} (PROTOCOL.md §3): the agent version the device should run, and its package. */
public final class AgentKey {
    /**
     * Debian's version syntax: [epoch:]upstream[-revision], the upstream part starting with a digit;
     * public so operator tools refuse what every device would.
     */
    public static final Pattern DEBIAN_VERSION = Pattern.compile("(?:\\d+:)?\\d[A-Za-z0-9.+~-]*");
    /** A registry host (a dot, a port or localhost), a repository path, and a sha256 digest: nothing else. */
    private static final Pattern PINNED = Pattern.compile(
            "(?:[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)+(?::\\d{1,5})?|[a-zA-Z0-9-]+:\\d{1,5}|localhost)"
                    + "(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+@sha256:[0-9a-f]{64}");
    private static final String SHAPE = "\"HOST/REPO@sha256:<64 hex digits>\"";

    private AgentKey() {}

    /** The {@code agent} map, or null (with errors) when it is not one a device can act on. */
    static AgentUpdate read(Reader r, JsonNode node) {
        if (node.isNull()) {
            return null;
        }
        String[] version = {null};
        String[] packageRef = {null};
        Duration[] timeout = {AgentUpdate.DEFAULT_TIMEOUT};
        int before = r.errors.size();
        if (!r.fields("agent", node, "version, package, timeout", (key, path, v) -> {
            switch (key) {
                case "version" -> version[0] = version(r, path, v);
                case "package" -> packageRef[0] = packageRef(r, path, v);
                case "timeout" -> timeout[0] = timeout(r, path, v);
                default -> r.unknownKey("agent", key);
            }
        })) {
            return null;
        }
        if (!node.has("version")) {
            r.error("agent.version", "missing: the agent version the device should run, as 'berth version' prints it");
        }
        if (!node.has("package")) {
            r.error("agent.package", "missing: the registry reference of the agent's packages, pinned by digest ("
                    + SHAPE + ", as 'berth fleet agent-package push' prints it)");
        }
        return r.errors.size() > before ? null : new AgentUpdate(version[0], packageRef[0], timeout[0]);
    }

    private static String version(Reader r, String path, JsonNode v) {
        if (v.isNumber()) {
            r.error(path, "must be a string, found the number " + v.asText() + ": quote it (YAML reads 0.10 as the "
                    + "number 0.1)");
            return null;
        }
        String given = r.string(path, v);
        if (given != null && !DEBIAN_VERSION.matcher(given).matches()) {
            r.error(path, "'" + given + "' is not a Debian package version: a digit first, then letters, digits and "
                    + ". + ~ - (an epoch 'N:' in front is allowed), as 'berth version' prints it");
            return null;
        }
        return given;
    }

    private static String packageRef(Reader r, String path, JsonNode v) {
        String given = r.string(path, v);
        if (given == null || PINNED.matcher(given).matches()) {
            return given;
        }
        int at = given.indexOf('@');
        String name = at < 0 ? given : given.substring(0, at);
        if (at < 0) {
            r.error(path, "'" + given + "' is not pinned by digest: a tag can be moved to another package, so pin it "
                    + "(" + SHAPE + "; 'berth fleet agent-package push' prints the pinned reference)");
        } else if (name.lastIndexOf(':') > name.lastIndexOf('/')) {
            r.error(path, "'" + given + "' has a tag and a digest: drop the tag, the digest alone names the package ("
                    + SHAPE + ")");
        } else if (!name.contains("/") || !ImageRef.registryOf(name).equals(name.substring(0, name.indexOf('/')))) {
            r.error(path, "'" + given + "' names no registry host: write " + SHAPE + " with the registry's host "
                    + "(a name with a dot or a port, or localhost)");
        } else {
            r.error(path, "'" + given + "' is not a pinned registry reference: write " + SHAPE);
        }
        return null;
    }

    private static Duration timeout(Reader r, String path, JsonNode v) {
        Long nanos = r.duration(path, v);
        if (nanos == null) {
            return null;
        }
        Duration d = Duration.ofNanos(nanos);
        if (d.compareTo(AgentUpdate.MIN_TIMEOUT) < 0 || d.compareTo(AgentUpdate.MAX_TIMEOUT) > 0) {
            r.error(path, "must be from 10s to 1h (the time the new agent has to come back online and report), found "
                    + Reader.describe(v));
            return null;
        }
        return d;
    }
}
