package io.berth.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.spec.SpecError;
import io.berth.spec.Signatures;
import io.berth.spec.SigningKey;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * {@code berth keygen [--out FILE] [--id KEY_ID]} makes an Ed25519 key pair for signing desired
 * documents; {@code berth sign --key FILE DOC} prints DOC (JSON or Compose YAML, resolved as by
 * validate) with its signature (PROTOCOL.md §3).
 */
final class SigningCommands {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SigningCommands() {}

    static int keygen(String[] args, PrintStream out, PrintStream err) {
        Path file = Path.of("berth-signing.key");
        String keyId = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--out") && i + 1 < args.length) {
                file = Path.of(args[++i]);
            } else if (args[i].equals("--id") && i + 1 < args.length) {
                keyId = args[++i];
            } else {
                err.println("Usage: berth keygen [--out FILE] [--id KEY_ID]");
                return 2;
            }
        }
        if (Files.exists(file)) {
            err.println("berth keygen: " + file + " exists; Berth does not overwrite a key: choose another --out");
            return 1;
        }
        try {
            KeyPair pair = KeyPairGenerator.getInstance(Signatures.ALG).generateKeyPair();
            byte[] publicKey = pair.getPublic().getEncoded();
            if (keyId == null) {
                keyId = "ed25519-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(publicKey))
                        .substring(0, 16);
            }
            if (!keyId.matches("[A-Za-z0-9_.:-]+")) {
                err.println("berth keygen: key id '" + keyId + "' must be letters, digits, '_', '.', ':' and '-'");
                return 2;
            }
            String pem = "# berth signing key (keep it secret)\n# keyId: " + keyId + "\n-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, pem);
            String trusted = keyId + "=" + Base64.getEncoder().encodeToString(publicKey);
            Files.writeString(Path.of(file + ".pub"), trusted + "\n");
            err.println("berth keygen: private key in " + file + " (mode 0600), public key in " + file + ".pub");
            err.println("Trust it on devices with the config key trustedKeys (or BERTH_TRUSTED_KEYS):");
            out.println(trusted);
            return 0;
        } catch (GeneralSecurityException | IOException e) {
            err.println("berth keygen: " + e.getMessage());
            return 1;
        }
    }

    static final String SIGN_USAGE = "Usage: berth sign --key FILE [--device ID]... [--selector S] [--not-after WHEN] "
            + "DOC\n  prints DOC signed; --device/--selector bind it to those devices (target), --not-after (an "
            + "ISO-8601\n  instant or a duration such as 72h) is when devices stop taking it";

    static int sign(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Path keyFile = null;
        Path doc = null;
        java.util.List<String> devices = new java.util.ArrayList<>();
        String selector = null;
        String notAfter = null;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            boolean valued = Set.of("--key", "--device", "--selector", "--not-after").contains(a);
            if (valued && i + 1 >= args.length) {
                err.println("berth sign: " + a + " needs a value\n" + SIGN_USAGE);
                return 2;
            }
            switch (a) {
                case "--key" -> keyFile = Path.of(args[++i]);
                case "--device" -> devices.add(args[++i]);
                case "--selector" -> selector = args[++i];
                case "--not-after" -> notAfter = args[++i];
                default -> {
                    if (a.startsWith("-") || doc != null) {
                        err.println("berth sign: unexpected '" + a + "'\n" + SIGN_USAGE);
                        return 2;
                    }
                    doc = Path.of(a);
                }
            }
        }
        if (keyFile == null || doc == null || !devices.isEmpty() && selector != null) {
            err.println((devices.isEmpty() || selector == null ? "" : "berth sign: --device or --selector, not both\n")
                    + SIGN_USAGE);
            return 2;
        }
        SigningKey key;
        try {
            key = SigningKey.read(keyFile);
        } catch (IOException | IllegalArgumentException e) {
            err.println("berth sign: " + e.getMessage());
            return 2;
        }
        ComposeFile compose;
        try {
            compose = ComposeFile.load(doc, env);
        } catch (IOException e) {
            err.println("berth sign: " + e.getMessage());
            return 2;
        }
        if (!compose.errors().isEmpty() || !(compose.document() instanceof ObjectNode document)) {
            compose.errors().forEach(e -> err.println(where(e) + ": " + e.message()));
            err.println("berth sign: " + doc + " is not a document that can be signed; check it with berth validate");
            return 1;
        }
        ObjectNode bound = document.deepCopy();
        if (!devices.isEmpty()) {
            bound.putObject("target").set("devices", JSON.valueToTree(devices));
        } else if (selector != null) {
            bound.putObject("target").put("selector", selector);
        }
        if (notAfter != null) {
            java.time.Instant when = notAfter(notAfter);
            if (when == null) {
                err.println("berth sign: --not-after '" + notAfter + "' is neither an ISO-8601 instant "
                        + "(2026-12-31T00:00:00Z) nor a duration (72h)");
                return 2;
            }
            bound.put("notAfter", when.toString());
        }
        for (String k : java.util.List.of("target", "notAfter")) {
            for (SpecError e : Signatures.shapeErrors(k, bound.get(k))) {
                err.println("berth sign: " + e);
                return 2;
            }
        }
        try {
            out.println(JSON.writeValueAsString(Signatures.sign(bound, key.keyId(), key.key())));
            return 0;
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            err.println("berth sign: " + e.getMessage());
            return 1;
        }
    }

    private static java.time.Instant notAfter(String text) {
        try {
            return java.time.Instant.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            java.time.Duration d = io.berth.model.Durations.parse(text);
            return d == null || d.isNegative() || d.isZero() ? null : java.time.Instant.now().plus(d)
                    .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        }
    }

    private static String where(SpecError e) {
        return e.path().isEmpty() ? "(document)" : e.path();
    }
}
