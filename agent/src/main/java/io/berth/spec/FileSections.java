package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.FileMount;
import io.berth.model.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Compose's {@code configs} and {@code secrets}: the top-level sections, whose content the
 * {@code berth} client carries inline ({@code content}), and the service keys that mount them
 * read-only (secrets at {@code /run/secrets/NAME}, configs at {@code /NAME}, or the given target).
 */
final class FileSections {

    private FileSections() {}

    /** A top-level section: name to {@code {content: …}}; what only the client resolves is refused here. */
    static void read(Reader r, String section, JsonNode node, Map<String, Secret> out) {
        if (node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            r.error(section, "must be a map of name to {content: …}, found " + Reader.describe(node));
            return;
        }
        node.fields().forEachRemaining(e -> {
            String path = section + "." + e.getKey();
            if (!ServiceReader.NAME.matcher(e.getKey()).matches()) {
                r.error(path, "'" + e.getKey() + "' is not a valid name: use letters, digits, '_', '.', '-'");
                return;
            }
            Secret[] content = {null};
            r.fields(path, e.getValue(), "content", (key, p, v) -> {
                switch (key) {
                    case "content" -> {
                        // never quote a secret's value in a message
                        if (v.isTextual()) {
                            content[0] = new Secret(v.asText());
                        } else {
                            r.error(p, "must be a string, found " + Reader.typeOf(v));
                        }
                    }
                    case "name" -> r.string(p, v);
                    case "file", "environment" -> r.error(p, "the berth client reads '" + key + "' into 'content' "
                            + "before the document is sent: apply or publish it with berth, or give 'content'");
                    case "external" -> r.error(p, "Berth has no " + section + " store on the device: give the "
                            + "content (from a file or a variable) and berth carries it inline");
                    default -> r.unknownKey(path, key);
                }
            });
            if (content[0] == null && e.getValue() != null && e.getValue().isObject() && !e.getValue().has("content")
                    && !e.getValue().has("file")
                    && !e.getValue().has("environment") && !e.getValue().has("external")) {
                r.error(path + ".content", "missing: the " + section.substring(0, section.length() - 1)
                        + "'s content");
            } else if (content[0] != null) {
                out.put(e.getKey(), content[0]);
            }
        });
    }

    /** A service's {@code secrets} or {@code configs}: names, or {@code {source, target, uid, gid, mode}}. */
    static void mounts(ServiceDraft s, String path, JsonNode value, String kind, Map<String, Secret> declared) {
        s.r.list(path, value, false, (p, item) -> {
            String[] m = {null, null}; // source, target
            if (item.isTextual()) {
                m[0] = item.asText();
            } else if (!s.r.fields(p, item, "source, target", (key, kp, v) -> {
                switch (key) {
                    case "source" -> m[0] = s.r.string(kp, v);
                    case "target" -> m[1] = s.r.string(kp, v);
                    case "uid", "gid", "mode" -> s.r.warning(kp, "ignored: as Compose does outside Swarm, the file "
                            + "keeps its owner and mode (secrets 0400, configs 0444)");
                    default -> s.r.unknownKey(p, key);
                }
            })) {
                return;
            }
            if (m[0] == null) {
                s.r.error(p, "needs 'source', the name of a top-level " + kind);
                return;
            }
            Secret content = declared.get(m[0]);
            if (content == null) {
                s.r.error(p, kind + " '" + m[0] + "' is not declared: add it under the top-level '" + kind + "s'");
                return;
            }
            String target = m[1] == null ? m[0] : m[1];
            if (!target.startsWith("/")) {
                target = (kind.equals("secret") ? "/run/secrets/" : "/") + target;
            }
            s.out.files.add(new FileMount(kind, m[0], target, sha256(content.reveal()), content));
        });
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
