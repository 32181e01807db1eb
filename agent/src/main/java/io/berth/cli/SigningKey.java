package io.berth.cli;

import io.berth.spec.Signatures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A signing key as {@code berth keygen} writes it: {@code # keyId: ID} and a PKCS#8 Ed25519 PEM block. */
public record SigningKey(String keyId, PrivateKey key) {
    private static final Pattern KEY_ID = Pattern.compile("(?m)^# keyId: (\\S+)$");
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    /** @throws IOException saying what is wrong with the file */
    public static SigningKey read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException("cannot read the key " + file + ": " + e.getMessage(), e);
        }
        Matcher id = KEY_ID.matcher(text);
        Matcher pem = PEM.matcher(text);
        if (!id.find() || !pem.find()) {
            throw new IOException(file + " is not a key made by berth keygen");
        }
        try {
            return new SigningKey(id.group(1), KeyFactory.getInstance(Signatures.ALG).generatePrivate(
                    new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(pem.group(1)))));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("cannot read the key " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "SigningKey[" + keyId + "]";
    }
}
