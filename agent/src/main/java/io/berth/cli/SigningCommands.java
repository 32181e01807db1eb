package io.berth.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.spec.SpecError;
import io.berth.spec.Signatures;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code berth keygen [--out FILE] [--id KEY_ID]} makes an Ed25519 key pair for signing desired
 * documents; {@code berth sign --key FILE DOC} prints DOC (JSON or Compose YAML, resolved as by
 * validate) with its signature (PROTOCOL.md §3).
 */
final class SigningCommands {
    private static final Pattern KEY_ID = Pattern.compile("(?m)^# keyId: (\\S+)$");
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
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

    static int sign(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length != 4 || !args[1].equals("--key")) {
            err.println("Usage: berth sign --key FILE DOC   (prints the signed document)");
            return 2;
        }
        Path keyFile = Path.of(args[2]);
        Path doc = Path.of(args[3]);
        String keyId;
        PrivateKey key;
        try {
            String text = Files.readString(keyFile, StandardCharsets.US_ASCII);
            Matcher id = KEY_ID.matcher(text);
            Matcher pem = PEM.matcher(text);
            if (!id.find() || !pem.find()) {
                err.println("berth sign: " + keyFile + " is not a key made by berth keygen");
                return 2;
            }
            keyId = id.group(1);
            key = KeyFactory.getInstance(Signatures.ALG).generatePrivate(new PKCS8EncodedKeySpec(
                    Base64.getMimeDecoder().decode(pem.group(1))));
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            err.println("berth sign: cannot read the key " + keyFile + ": " + e.getMessage());
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
        try {
            out.println(JSON.writeValueAsString(Signatures.sign(document, keyId, key)));
            return 0;
        } catch (GeneralSecurityException | IOException e) {
            err.println("berth sign: " + e.getMessage());
            return 1;
        }
    }

    private static String where(SpecError e) {
        return e.path().isEmpty() ? "(document)" : e.path();
    }
}
