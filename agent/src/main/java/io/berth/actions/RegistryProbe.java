package io.berth.actions;

import io.berth.model.RegistryAuth;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.net.ssl.SSLException;

/**
 * Checks that a registry answers its API ({@code GET /v2/}) and, where credentials are given,
 * accepts them. Credentials are sent only when the registry asks for them (a Basic challenge),
 * and never over plain HTTP to anything but loopback: a TLS failure is reported, not retried
 * in the clear.
 */
final class RegistryProbe {
    record Result(String level, String message) {}

    private static final int TIMEOUT_MS = 5000;

    private RegistryProbe() {}

    static Result check(String host, RegistryAuth auth) {
        return check(host, auth, io.berth.registry.RegistryClient.loopback(host));
    }

    /** @param local the registry is on loopback, where the engine itself talks plain HTTP */
    static Result check(String host, RegistryAuth auth, boolean local) {
        try {
            return probe(local ? "http" : "https", host, auth);
        } catch (SSLException e) {
            if (hasCredentials(auth)) {
                return new Result("fail", "registry " + host + ": TLS failed (" + e.getMessage() + "); its "
                        + "credentials are never sent over plain HTTP: give it a certificate the device trusts");
            }
            try {
                return probe("http", host, null);
            } catch (IOException again) {
                return fail(host, again);
            }
        } catch (IOException e) {
            return fail(host, e);
        }
    }

    private static boolean hasCredentials(RegistryAuth auth) {
        return auth != null && auth.username() != null && auth.password() != null;
    }

    private static Result fail(String host, IOException e) {
        return new Result("fail", "registry " + host + " unreachable (" + e.getMessage()
                + "): check the network and the host name, or sideload images with 'berth load'");
    }

    private static Result probe(String scheme, String host, RegistryAuth auth) throws IOException {
        Result anonymous = probe(scheme, host, auth, false);
        return anonymous == null ? probe(scheme, host, auth, true) : anonymous;
    }

    /** One GET /v2/; null when the registry asks for Basic credentials that we have and should now send. */
    private static Result probe(String scheme, String host, RegistryAuth auth, boolean withCredentials)
            throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(scheme + "://" + host + "/v2/").openConnection();
        c.setConnectTimeout(TIMEOUT_MS);
        c.setReadTimeout(TIMEOUT_MS);
        c.setInstanceFollowRedirects(false);
        if (withCredentials) {
            String basic = auth.username() + ":" + auth.password().reveal();
            c.setRequestProperty("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
        }
        try {
            int status = c.getResponseCode();
            String challenge = String.valueOf(c.getHeaderField("WWW-Authenticate"));
            if (status == 200) {
                return new Result("ok", "registry " + host + " reachable" + (withCredentials ? ", credentials accepted"
                        : ""));
            }
            if (status == 401 && challenge.toLowerCase().startsWith("bearer")) {
                return new Result("ok", "registry " + host + " reachable (token auth: credentials are checked at "
                        + "pull time)");
            }
            if (status == 401 && !withCredentials && hasCredentials(auth) && challenge.toLowerCase().startsWith("basic")) {
                return null; // asked for: send them (over TLS, or to loopback)
            }
            if (status == 401) {
                return withCredentials
                        ? new Result("fail", "registry " + host + " refused the credentials of the desired document: "
                        + "publish a document with the right username/password")
                        : new Result("warn", "registry " + host + " wants credentials and the desired document has "
                        + "none: add them under registries");
            }
            return new Result("warn", "registry " + host + " answered HTTP " + status + " on /v2/");
        } finally {
            c.disconnect();
        }
    }
}
