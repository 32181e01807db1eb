package io.berth.link;

/** Says why a connection failed in terms of what the user set: the URLs, the TLS files, the login, the protocol. */
final class LinkErrors {
    private LinkErrors() {}

    static String explain(Throwable error, String urls, TlsFiles.Settings tls, String clientId) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof javax.net.ssl.SSLException) {
                if (m.contains("PKIX path") || m.contains("certification path")) {
                    return "the broker's certificate is not trusted: no CA in " + caName(tls)
                            + " signed it; set mqtt.tls.caFile to the CA that issued the broker's certificate";
                }
                if (m.contains("subject alternative") || m.contains("No name matching")) {
                    return "the broker's certificate does not name the host in " + urls
                            + "; use the host name or address it was issued for";
                }
                if (m.contains("certificate_expired")) {
                    return "the broker refused our client certificate: it has expired; renew mqtt.tls.certFile";
                }
                if (m.contains("bad_certificate") || m.contains("certificate_unknown") || m.contains("unknown_ca")
                        || m.contains("certificate_required") || m.contains("decrypt_error")) {
                    return "the broker refused our client certificate (" + m + "): use a certificate "
                            + "(mqtt.tls.certFile/keyFile) issued by the CA the broker trusts";
                }
                return "the TLS handshake with " + urls + " failed: " + m;
            }
            if (t instanceof java.net.ConnectException) {
                return "nothing accepts connections at " + urls + " (" + m + "): is the broker running, "
                        + "and are host and port right?";
            }
            boolean clientCertificate = tls != null && tls.certFile() != null;
            if (clientCertificate && t instanceof java.io.IOException && !(t instanceof WireException)
                    && (m.contains("Broken pipe") || m.contains("Connection reset") || m.contains("closed"))) {
                // with TLS 1.3 the broker's refusal of a client certificate arrives as a closed connection
                return "the broker closed the connection right after the TLS handshake (" + m + "): it most likely "
                        + "refused our client certificate " + tls.certFile() + "; use one issued by the "
                        + "CA the broker trusts";
            }
            if (t instanceof java.net.UnknownHostException) {
                return "the broker's host in " + urls + " is unknown: check the name and DNS";
            }
        }
        WireException wire = find(error);
        if (wire != null) {
            switch (wire.reasonCode()) {
                case 134, 4, 135, 5:
                    // Mosquitto answers a wrong password with 'not authorized' (135) in MQTT 5
                    return "the broker refused the login (" + (wire.reasonCode() == 134 || wire.reasonCode() == 4
                            ? "bad user name or password" : "not authorized") + "): check the user name or password "
                            + "(mqtt.username, mqtt.password), or the client certificate the broker maps to a user";
                case 133, 2:
                    return "the broker refused the client id '" + clientId + "'";
                case 132, 1, 50001:
                    return "the broker refuses this MQTT version (" + describe(error) + "): set mqtt.version to "
                            + "auto or 3.1.1 for a broker that speaks only MQTT 3.1.1";
                default:
                    break;
            }
        }
        return describe(error);
    }

    static WireException find(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof WireException w) {
                return w;
            }
        }
        return null;
    }

    private static String caName(TlsFiles.Settings tls) {
        return tls != null && tls.caFile() != null ? "mqtt.tls.caFile " + tls.caFile() : "the system's trust store";
    }

    static String describe(Throwable error) {
        if (error == null) {
            return "unknown error";
        }
        String message = error.getMessage();
        Throwable cause = error.getCause();
        if (cause != null && cause != error && cause.getMessage() != null
                && (message == null || !message.contains(cause.getMessage()))) {
            message = (message == null ? "" : message + ": ") + cause.getMessage();
        }
        return message == null ? error.getClass().getSimpleName() : message;
    }
}
