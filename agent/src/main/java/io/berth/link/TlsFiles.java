package io.berth.link;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds the TLS context for the broker from PEM files, as Mosquitto and openssl write them: a
 * CA bundle to trust, and optionally a client certificate (chain) with its PKCS#8 key for mTLS.
 * No BouncyCastle: the JDK reads X.509 PEM and PKCS#8 itself.
 */
public final class TlsFiles {
    private TlsFiles() {}

    /** What the TLS settings point at; any may be null. */
    public record Settings(Path caFile, Path certFile, Path keyFile) {
        public boolean any() {
            return caFile != null || certFile != null || keyFile != null;
        }
    }

    /** Thrown with a message that names the file and says what to do. */
    public static final class TlsSetupException extends IOException {
        TlsSetupException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static SSLContext context(Settings settings) throws TlsSetupException {
        try {
            TrustManagerFactory trust = null;
            if (settings.caFile() != null) {
                List<X509Certificate> cas = certificates(settings.caFile(), "mqtt.tls.caFile");
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                for (int i = 0; i < cas.size(); i++) {
                    store.setCertificateEntry("ca-" + i, cas.get(i));
                }
                trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(store);
            }
            KeyManagerFactory keys = null;
            if (settings.certFile() != null || settings.keyFile() != null) {
                if (settings.certFile() == null || settings.keyFile() == null) {
                    throw new TlsSetupException("mTLS needs both mqtt.tls.certFile and mqtt.tls.keyFile; only "
                            + (settings.certFile() == null ? "the key" : "the certificate") + " is set", null);
                }
                List<X509Certificate> chain = certificates(settings.certFile(), "mqtt.tls.certFile");
                checkValidity(chain.get(0), settings.certFile());
                PrivateKey key = privateKey(settings.keyFile());
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                char[] none = new char[0];
                store.setKeyEntry("client", key, none, chain.toArray(new Certificate[0]));
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(store, none);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(),
                    null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            if (e instanceof TlsSetupException tls) {
                throw tls;
            }
            throw new TlsSetupException("cannot set up TLS for the broker: " + e.getMessage(), e);
        }
    }

    private static List<X509Certificate> certificates(Path file, String key) throws TlsSetupException {
        byte[] pem = read(file, key);
        try (InputStream in = new ByteArrayInputStream(pem)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            List<X509Certificate> out = new ArrayList<>();
            certs.forEach(c -> out.add((X509Certificate) c));
            if (out.isEmpty()) {
                throw new TlsSetupException(key + " " + file + " holds no certificate: give a PEM file with "
                        + "-----BEGIN CERTIFICATE-----", null);
            }
            return out;
        } catch (GeneralSecurityException | IOException e) {
            if (e instanceof TlsSetupException tls) {
                throw tls;
            }
            throw new TlsSetupException(key + " " + file + " is not a PEM certificate: " + e.getMessage(), e);
        }
    }

    private static void checkValidity(X509Certificate cert, Path file) throws TlsSetupException {
        try {
            cert.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new TlsSetupException("the client certificate " + file + " expired on " + cert.getNotAfter().toInstant()
                    + "; the broker will refuse it: renew it (provisioning/bin/berth-enroll) and restart Berth", e);
        } catch (CertificateNotYetValidException e) {
            throw new TlsSetupException("the client certificate " + file + " is not valid before "
                    + cert.getNotBefore().toInstant() + ": check the device's clock", e);
        }
    }

    private static PrivateKey privateKey(Path file) throws TlsSetupException {
        String text = new String(read(file, "mqtt.tls.keyFile"), StandardCharsets.US_ASCII);
        if (text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")
                || text.contains("BEGIN ENCRYPTED PRIVATE KEY")) {
            throw new TlsSetupException("mqtt.tls.keyFile " + file + " is not an unencrypted PKCS#8 key; convert it: "
                    + "openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8", null);
        }
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new TlsSetupException("mqtt.tls.keyFile " + file + " holds no -----BEGIN PRIVATE KEY----- block", null);
        }
        byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException tryNext) {
                // not this algorithm
            }
        }
        throw new TlsSetupException("mqtt.tls.keyFile " + file + " is not an RSA, EC or Ed25519 key", null);
    }

    private static byte[] read(Path file, String key) throws TlsSetupException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TlsSetupException("cannot read " + key + " " + file + ": "
                    + (Files.exists(file) ? "permission denied" : "no such file"), e);
        }
    }
}
