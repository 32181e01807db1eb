package io.berth.registry;

import static io.berth.registry.RegistryClient.encode;
import static io.berth.registry.RegistryClient.loopback;
import static io.berth.registry.RegistryClient.read;
import static io.berth.registry.RegistryClient.registryError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.model.RegistryAuth;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The credentials a registry asks for, for one {@link RegistrySession}: the Authorization header
 * answering its 401 challenge (Basic, or a Bearer token for {@code pull}, {@code pull,push} in a
 * push session, from its token service, the password going to that service only), and what to
 * say when an answer is not the one expected.
 */
final class Authorizer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final int MAX_TOKEN = 64 * 1024;

    private final String host;
    private final String repository;
    private final RegistryAuth auth;
    private final boolean push;
    private final int timeoutMillis;

    Authorizer(String host, String repository, RegistryAuth auth, boolean push, int timeoutMillis) {
        this.host = host;
        this.repository = repository;
        this.auth = auth;
        this.push = push;
        this.timeoutMillis = timeoutMillis;
    }

    /** The Authorization header for a 401 challenge: Basic with the credentials, or a Bearer token. */
    String authorize(String challenge) throws IOException, RegistryException {
        String what = "the registry " + host;
        if (challenge == null) {
            throw new RegistryException(what + " answers HTTP 401 without a challenge; is it a Registry v2 API?");
        }
        String scheme = challenge.strip().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
        if (scheme.equals("basic")) {
            if (basic() == null) {
                throw noCredentials(what);
            }
            return basic();
        }
        if (!scheme.equals("bearer")) {
            throw new RegistryException(what + " asks for the unknown auth scheme " + scheme);
        }
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = PARAM.matcher(challenge);
        while (m.find()) {
            params.put(m.group(1), m.group(2));
        }
        String realm = params.get("realm");
        if (!usable(realm)) {
            throw new RegistryException(what + " names no usable token service (an HTTPS realm, or HTTP on loopback) in "
                    + "its challenge: " + challenge);
        }
        String scope = push ? "repository:" + repository + ":pull,push"
                : params.getOrDefault("scope", "repository:" + repository + ":pull");
        String url = realm + (realm.contains("?") ? "&" : "?")
                + (params.containsKey("service") ? "service=" + encode(params.get("service")) + "&" : "")
                + "scope=" + encode(scope);
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setConnectTimeout(timeoutMillis);
        c.setReadTimeout(timeoutMillis);
        c.setInstanceFollowRedirects(false); // the credentials go to the realm only
        if (basic() != null) {
            c.setRequestProperty("Authorization", basic());
        }
        try {
            expect(c, 200, "a token for " + scope + " from " + URI.create(realm).getHost());
            JsonNode answer = JSON.readTree(read(c, MAX_TOKEN, "the token"));
            String token = answer.path("token").asText(answer.path("access_token").asText(""));
            if (token.isEmpty()) {
                throw new RegistryException("the token service of " + host + " gave no token");
            }
            return "Bearer " + token;
        } finally {
            c.disconnect();
        }
    }

    /** An HTTPS URL, or plain HTTP to a loopback address (never to a name that merely looks like one). */
    private static boolean usable(String realm) {
        try {
            URI uri = realm == null ? null : new URI(realm);
            return uri != null && uri.getRawAuthority() != null && ("https".equals(uri.getScheme())
                    || "http".equals(uri.getScheme()) && loopback(uri.getRawAuthority()));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private String basic() {
        if (auth == null || auth.username() == null || auth.password() == null) {
            return null;
        }
        String pair = auth.username() + ":" + auth.password().reveal();
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private RegistryException noCredentials(String what) {
        return new RegistryException(what + " wants credentials and none were given; "
                + (push ? "run 'docker login " + host + "' or set BERTH_REGISTRY_USERNAME and BERTH_REGISTRY_PASSWORD"
                        : "give them in the document's registries"));
    }

    /** Fails unless the answer has {@code status}, saying what the registry answered and what to check. */
    void expect(HttpURLConnection c, int status, String what) throws IOException, RegistryException {
        int code = c.getResponseCode();
        if (code == status) {
            return;
        }
        String reason = registryError(c);
        String hint = switch (code) {
            case 401, 403 -> push ? "check the credentials and that they may push to " + repository
                    + " ('docker login " + host + "' or BERTH_REGISTRY_USERNAME/BERTH_REGISTRY_PASSWORD)"
                    : "check the credentials for " + host;
            case 404 -> "check the reference (the repository, tag or digest)";
            default -> "see the registry's log";
        };
        throw new RegistryException(what + ": HTTP " + code + (reason.isEmpty() ? "" : " " + reason) + "; " + hint);
    }
}
