package io.berth.spec;

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

/**
 * An operator's Ed25519 signing key as {@code berth keygen} writes it: a PKCS#8 PEM block with
 * a {@code # keyId: …} line. Used by {@code berth sign} (documents) and by every operator verb
 * that signs a document or a command ({@link Signatures#signCommand}).
 */
public record SigningKey(String keyId, PrivateKey key) {
    private static final Pattern KEY_ID = Pattern.compile("(?m)^# keyId: (\\S+)$");
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    @Override
    public String toString() {
        return "SigningKey[" + keyId + ", ***]";
    }

    /** @throws IOException saying why the file is not a key made by {@code berth keygen} */
    public static SigningKey read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
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
}
