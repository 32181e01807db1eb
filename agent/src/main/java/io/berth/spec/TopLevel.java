package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.Durations;
import io.berth.model.RegistryAuth;
import io.berth.model.Secret;
import io.berth.model.UpdatePolicy;
import java.time.Duration;
import java.util.Map;

/** The top-level keys beside services, volumes and networks: revision, name, registries, update, signature. */
final class TopLevel {
    /** The highest revision: 2^53, the largest integer every JSON implementation keeps exactly. */
    static final long MAX_REVISION = 1L << 53;
    /** Compose's rule for project names. */
    static final String PROJECT_NAME = "[a-z0-9][a-z0-9_-]*";

    private TopLevel() {}

    static Long revision(Reader r, JsonNode node) {
        if (node == null || node.isNull()) {
            r.error("revision", "missing: every document needs an integer 'revision' of 1 or more, "
                    + "higher than the last one the device accepted");
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            r.error("revision", "must be an integer from 1 to 2^53, found " + Reader.describe(node));
            return null;
        }
        long revision = node.asLong();
        if (revision < 1) {
            r.error("revision", "must be 1 or more, found " + revision);
            return null;
        }
        if (revision > MAX_REVISION) {
            r.error("revision", "must be at most 2^53 (" + MAX_REVISION + "), found " + revision);
            return null;
        }
        return revision;
    }

    /** The project name, or null (with an error) when it is not one. */
    static String name(Reader r, JsonNode value) {
        if (!value.isTextual() || !value.asText().matches(PROJECT_NAME)) {
            r.error("name", "must be a project name of lower-case letters, digits, '_' and '-', found "
                    + Reader.describe(value));
            return null;
        }
        return value.asText();
    }

    static void version(Reader r, JsonNode value) {
        if (!value.isTextual() && !value.isNumber()) {
            r.error("version", "must be a string (it is obsolete and ignored), found " + Reader.describe(value));
        }
    }

    /** Checked against the device's trusted keys by {@link Signatures#verify}; here only its shape. */
    static void signature(Reader r, JsonNode value) {
        if (!value.isObject() || !value.path("alg").isTextual() || !value.path("keyId").isTextual()
                || !value.path("value").isTextual() || value.size() != 3) {
            r.error("signature", "must be {\"alg\": \"Ed25519\", \"keyId\": …, \"value\": base64}, as berth sign "
                    + "writes it");
        } else if (!Signatures.ALG.equals(value.get("alg").asText())) {
            r.error("signature.alg", "'" + value.get("alg").asText() + "' is not taken: Berth verifies Ed25519");
        }
    }

    /** The top-level {@code update}: strategy, rollback and healthTimeout, each optional. */
    static UpdatePolicy update(Reader r, JsonNode node) {
        if (node.isNull()) {
            return UpdatePolicy.DEFAULT;
        }
        String[] strategy = {UpdatePolicy.DEFAULT.strategy()};
        boolean[] rollback = {UpdatePolicy.DEFAULT.rollback()};
        Duration[] healthTimeout = {null};
        if (!node.isObject()) {
            r.error("update", "must be a map with 'strategy', 'rollback' and 'healthTimeout', found "
                    + Reader.describe(node));
            return UpdatePolicy.DEFAULT;
        }
        r.fields("update", node, "strategy, rollback, healthTimeout", (key, path, v) -> {
            switch (key) {
                case "strategy" -> {
                    String given = r.string(path, v);
                    if (UpdatePolicy.DOWNLOAD_THEN_KILL.equals(given) || UpdatePolicy.KILL_THEN_DOWNLOAD.equals(given)) {
                        strategy[0] = given;
                    } else if (given != null) {
                        r.error(path, "must be '" + UpdatePolicy.DOWNLOAD_THEN_KILL + "' or '"
                                + UpdatePolicy.KILL_THEN_DOWNLOAD + "', found '" + given + "'");
                    }
                }
                case "rollback" -> rollback[0] = r.bool(path, v);
                case "healthTimeout" -> {
                    Duration d = v.isIntegralNumber() ? Duration.ofSeconds(v.asLong())
                            : v.isTextual() ? Durations.parse(v.asText()) : null;
                    if (d == null || d.isNegative() || d.isZero()) {
                        r.error(path, "must be a positive duration such as \"90s\" or \"2m\", found "
                                + Reader.describe(v));
                    } else {
                        healthTimeout[0] = d;
                    }
                }
                default -> r.unknownKey("update", key);
            }
        });
        return new UpdatePolicy(strategy[0], rollback[0], healthTimeout[0]);
    }

    static void registries(Reader r, JsonNode node, Map<String, RegistryAuth> out) {
        if (node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            r.error("registries", "must be a map of registry host to credentials, found " + Reader.describe(node));
            return;
        }
        node.fields().forEachRemaining(e -> {
            String path = "registries." + e.getKey();
            JsonNode creds = e.getValue();
            if (!creds.isObject()) {
                // name the type only: the value may be a password
                r.error(path, "must be {\"username\": …, \"password\": …}, found " + Reader.typeOf(creds));
                return;
            }
            String[] user = {null, null};
            r.fields(path, creds, "username, password", (key, p, v) -> {
                switch (key) {
                    case "username" -> user[0] = r.string(p, v);
                    case "password" -> {
                        // never echo the value: describe only its type
                        if (v.isTextual()) {
                            user[1] = v.asText();
                        } else {
                            r.error(p, "must be a string");
                        }
                    }
                    default -> r.unknownKey(path, key);
                }
            });
            if (user[0] == null || user[1] == null) {
                r.error(path, "needs both 'username' and 'password'");
                return;
            }
            out.put(e.getKey(), new RegistryAuth(e.getKey(), user[0], new Secret(user[1])));
        });
    }
}
