package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.Mount;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * A service's {@code volumes}: Compose's short syntax ({@code SOURCE:TARGET[:MODE]}, an anonymous
 * {@code /path}) and long syntax ({@code type: volume|bind|tmpfs}). Named volumes resolve to their
 * engine names; a relative bind stays {@code ./path} (the agent resolves it under its data root).
 */
final class MountSyntax {
    private static final Set<String> PROPAGATIONS = Set.of("rprivate", "private", "rshared", "shared", "rslave",
            "slave");

    private MountSyntax() {}

    static void read(ServiceDraft s, String path, JsonNode value) {
        if (value.isNull()) {
            return;
        }
        if (!value.isArray()) {
            s.r.error(path, "must be a list, found " + Reader.describe(value));
            return;
        }
        Set<String> targets = new HashSet<>();
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            String itemPath = path + "[" + i + "]";
            Mount mount;
            if (item.isTextual()) {
                mount = readShort(s, itemPath, item.asText());
            } else if (item.isObject()) {
                mount = readLong(s, itemPath, item);
            } else {
                s.r.error(itemPath, "must be a string such as \"data:/data\" or \"/host/path:/path:ro\", or a map "
                        + "(type, source, target), found " + Reader.describe(item));
                continue;
            }
            if (mount != null && !targets.add(mount.target())) {
                s.r.error(itemPath, "'" + mount.target() + "' is mounted twice in this service: keep one");
            } else if (mount != null) {
                s.mounts.add(mount);
            }
        }
    }

    private static Mount readShort(ServiceDraft s, String path, String text) {
        String[] parts = text.split(":", -1);
        if (parts.length == 1) {
            if (!text.startsWith("/")) {
                s.r.error(path, "'" + text + "' must be SOURCE:TARGET[:MODE], or an absolute container path for an "
                        + "anonymous volume");
                return null;
            }
            return new Mount(Mount.Type.VOLUME, "", text, false);
        }
        if (parts.length > 3) {
            s.r.error(path, "'" + text + "' must be SOURCE:TARGET[:MODE]");
            return null;
        }
        Options o = new Options();
        if (parts.length == 3) {
            for (String mode : parts[2].split(",")) {
                switch (mode) {
                    case "ro" -> o.readOnly = true;
                    case "rw", "cached", "delegated", "consistent" -> { } // the latter: macOS only, ignored as by Compose
                    case "z", "Z" -> o.selinux = mode;
                    case "nocopy" -> o.noCopy = true;
                    default -> {
                        if (!PROPAGATIONS.contains(mode)) {
                            s.r.error(path, "mode '" + mode + "' is not a mount mode: use ro, rw, z, Z, nocopy or a "
                                    + "propagation (rslave, rshared, rprivate…)");
                            return null;
                        }
                        o.propagation = mode;
                    }
                }
            }
        }
        return mount(s, path, parts[0], parts[1], o);
    }

    /** What a mount's mode or long-syntax options say beside its source and target. */
    private static final class Options {
        String type;
        String source;
        String target;
        boolean readOnly;
        String propagation;
        String selinux;
        boolean noCopy;
        Long tmpfsSize;
        Integer tmpfsMode;
    }

    private static Mount readLong(ServiceDraft s, String path, JsonNode item) {
        Reader r = s.r;
        Options o = new Options();
        r.fields(path, item, "type, source, target", (key, p, v) -> {
            switch (key) {
                case "type" -> o.type = r.string(p, v);
                case "source" -> o.source = r.string(p, v);
                case "target" -> o.target = r.string(p, v);
                case "read_only" -> o.readOnly = r.bool(p, v);
                case "consistency" -> r.string(p, v);
                case "bind", "volume", "tmpfs" -> r.fields(p, v, "its options", (option, op, ov) ->
                        typeOption(r, key + "." + option, p, op, ov, o));
                default -> r.unknownKey(path, key);
            }
        });
        if (o.target == null) {
            r.error(path + ".target", "missing: the path in the container is required");
            return null;
        }
        if (o.type == null) {
            r.error(path + ".type", "missing: use volume, bind or tmpfs");
            return null;
        }
        switch (o.type) {
            case "tmpfs" -> {
                if (!o.target.startsWith("/")) {
                    r.error(path + ".target", "'" + o.target + "' must be an absolute path in the container");
                    return null;
                }
                return new Mount(Mount.Type.TMPFS, "", o.target, o.readOnly, null, null, false, o.tmpfsSize,
                        o.tmpfsMode);
            }
            case "volume" -> {
                if (o.source == null || o.source.isEmpty()) {
                    if (!o.target.startsWith("/")) {
                        r.error(path + ".target", "'" + o.target + "' must be an absolute path in the container");
                        return null;
                    }
                    return new Mount(Mount.Type.VOLUME, "", o.target, o.readOnly, null, null, o.noCopy, null, null);
                }
                if (o.source.startsWith("/") || o.source.startsWith(".")) {
                    r.error(path + ".source", "'" + o.source + "' is a path: use type bind for host paths");
                    return null;
                }
                o.propagation = null;
                o.selinux = null;
                return mount(s, path, o.source, o.target, o);
            }
            case "bind" -> {
                if (o.source == null || (!o.source.startsWith("/") && !o.source.startsWith("."))) {
                    r.error(path + ".source", "a bind needs a host path (absolute, or ./relative to the data root), "
                            + "found " + (o.source == null ? "nothing" : "'" + o.source + "'"));
                    return null;
                }
                o.noCopy = false;
                return mount(s, path, o.source, o.target, o);
            }
            default -> {
                r.error(path + ".type", "'" + o.type + "' is not a mount type Berth takes: use volume, bind or tmpfs");
                return null;
            }
        }
    }

    private static void typeOption(Reader r, String both, String parent, String op, JsonNode ov, Options o) {
        switch (both) {
            case "bind.propagation" -> {
                o.propagation = r.string(op, ov);
                if (o.propagation != null && !PROPAGATIONS.contains(o.propagation)) {
                    r.error(op, "'" + o.propagation + "' is not a propagation: use one of " + new TreeSet<>(PROPAGATIONS));
                }
            }
            case "bind.create_host_path" -> r.bool(op, ov); // always created, as by Compose
            case "bind.selinux" -> {
                o.selinux = r.string(op, ov);
                if (o.selinux != null && !o.selinux.equals("z") && !o.selinux.equals("Z")) {
                    r.error(op, "must be z or Z");
                }
            }
            case "volume.nocopy" -> o.noCopy = r.bool(op, ov);
            case "tmpfs.size" -> {
                o.tmpfsSize = Values.size(ov);
                if (o.tmpfsSize == null) {
                    r.error(op, Reader.describe(ov) + " is not a size: write e.g. 64m");
                }
            }
            case "tmpfs.mode" -> {
                if (ov.isIntegralNumber()) {
                    o.tmpfsMode = ov.asInt();
                } else if (ov.isTextual() && ov.asText().matches("0?[0-7]{3,4}")) {
                    o.tmpfsMode = Integer.parseInt(ov.asText(), 8);
                } else {
                    r.error(op, "must be a file mode such as 1777, found " + Reader.describe(ov));
                }
            }
            default -> r.unknownKey(parent, both.substring(both.indexOf('.') + 1));
        }
    }

    /** A short or long mount, after its syntax: checks the source and resolves named volumes to engine names. */
    private static Mount mount(ServiceDraft s, String path, String source, String target, Options o) {
        if (!target.startsWith("/")) {
            s.r.error(path, "the target '" + target + "' must be an absolute path in the container");
            return null;
        }
        if (source.startsWith("/")) {
            if (Arrays.asList(source.split("/")).contains("..")) {
                s.r.error(path, "the host path '" + source + "' must not contain '..'");
                return null;
            }
            return new Mount(Mount.Type.BIND, source, target, o.readOnly, o.propagation, o.selinux, false, null, null);
        }
        if (source.equals(".") || source.startsWith("./")) {
            String relative = relativeBind(s.r, path, source);
            return relative == null ? null
                    : new Mount(Mount.Type.BIND, relative, target, o.readOnly, o.propagation, o.selinux, false, null,
                    null);
        }
        if (source.startsWith(".") || source.startsWith("~") || source.contains("/") || source.startsWith("$")) {
            s.r.error(path, "'" + source + "' is not a host path Berth takes: write an absolute path, a path under "
                    + "the device's data root as ./" + (source.startsWith("~/") ? source.substring(2) : "NAME")
                    + ", or the name of a declared volume");
            return null;
        }
        if (!s.doc.volumeNames.containsKey(source)) {
            s.r.error(path, "volume '" + source + "' is not declared: add it under the top-level 'volumes'");
            return null;
        }
        if (o.propagation != null || o.selinux != null) {
            s.r.error(path, "propagation and z/Z apply to host paths, not to the volume '" + source + "'");
            return null;
        }
        return new Mount(Mount.Type.VOLUME, s.doc.volumeNames.get(source), target, o.readOnly, null, null, o.noCopy,
                null, null);
    }

    /** {@code ./a/b/..} → {@code ./a}; null (with an error) when it leaves the data root. */
    private static String relativeBind(Reader r, String path, String source) {
        Deque<String> parts = new ArrayDeque<>();
        for (String part : source.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    r.error(path, "'" + source + "' leaves the device's data root: relative paths stay under it");
                    return null;
                }
                parts.removeLast();
            } else {
                parts.addLast(part);
            }
        }
        return parts.isEmpty() ? "./" : "./" + String.join("/", parts);
    }
}
