package io.berth.actions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Checks the broker's TLS certificate for {@code ssl://} URLs: trusted, for this host, and not
 * about to expire, with the TLS settings the agent's link uses ({@code mqtt.tls.*}: its CA and
 * client certificate), not the JVM's default trust store.
 */
final class TlsProbe {
    record Result(String level, String message) {}

    private static final Duration SOON = Duration.ofDays(30);
    private static final int TIMEOUT_MS = 5000;

    private TlsProbe() {}

    /** @param mqttUrl the configured broker, or list of brokers: the first is checked (they share one TLS setting) */
    static Result check(String mqttUrl, Instant now) {
        return check(mqttUrl, (SSLSocketFactory) SSLSocketFactory.getDefault(), now);
    }

    /** @param factory built from the link's own TLS settings ({@link io.berth.link.TlsFiles#context}) */
    static Result check(String mqttUrl, SSLSocketFactory factory, Instant now) {
        mqttUrl = mqttUrl.split(",")[0].strip();
        if (!mqttUrl.startsWith("ssl://")) {
            return new Result("ok", "not used (" + mqttUrl.replaceFirst("://.*", "://") + "); fine on a trusted network");
        }
        URI uri = URI.create(mqttUrl);
        int port = uri.getPort() < 0 ? 8883 : uri.getPort();
        try (SSLSocket socket = (SSLSocket) factory.createSocket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), port), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            SSLParameters params = socket.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
            socket.setSSLParameters(params);
            socket.startHandshake();
            Certificate[] chain = socket.getSession().getPeerCertificates();
            X509Certificate leaf = (X509Certificate) chain[0];
            Instant notAfter = leaf.getNotAfter().toInstant();
            if (notAfter.isBefore(now.plus(SOON))) {
                return new Result("warn", "the broker's certificate expires " + notAfter + ": renew it");
            }
            return new Result("ok", "certificate of " + uri.getHost() + " trusted, valid until " + notAfter);
        } catch (IOException | RuntimeException e) {
            return new Result("fail", "TLS to " + uri.getHost() + ":" + port + " failed: " + e.getMessage());
        }
    }
}
