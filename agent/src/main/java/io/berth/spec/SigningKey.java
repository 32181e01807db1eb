package io.berth.spec;

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

    /**
     * The key in the text of a key file (the caller reads the file: spec does no I/O).
     *
     * @param file what to call the file in messages
     * @throws IllegalArgumentException saying why the text is not a key made by {@code berth keygen}
     */
    public static SigningKey parse(String text, String file) {
        Matcher id = KEY_ID.matcher(text);
        Matcher pem = PEM.matcher(text);
        if (!id.find() || !pem.find()) {
            throw new IllegalArgumentException(file + " is not a key made by berth keygen");
        }
        try {
            return new SigningKey(id.group(1), KeyFactory.getInstance(Signatures.ALG).generatePrivate(
                    new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(pem.group(1)))));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read the key " + file + ": " + e.getMessage(), e);
        }
    }
}
