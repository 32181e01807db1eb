package io.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.model.ImageRef;
import io.berth.model.RegistryAuth;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * An image's download size from its registry's manifest, before the pull: the config and layer
 * sizes of the manifest (for an index or manifest list, of the entry for the platform). The
 * engine API cannot tell it ({@code /distribution/…/json} gives only the manifest's own size), so
 * this asks the registry (Docker Registry HTTP API v2) with the document's credentials: Basic,
 * or a Bearer token from the registry's token service. Anything it cannot read (a mirror, a
 * registry CA only the engine knows, a timeout) is "unknown", never an error: the disk floor
 * then stands for the image. Docker Hub is not asked: it counts manifest reads as pulls.
 */
public final class ManifestSizes {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCEPT = String.join(", ",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json");
    private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final int MAX_BODY = 4 * 1024 * 1024;

    private final int timeoutMillis;

    public ManifestSizes(int timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * The bytes a pull of {@code image} downloads (compressed layers and config), or empty when the
     * registry does not tell.
     *
     * @param platform {@code os/arch[/variant]} to pick from an index, or null for this host's
     */
    public OptionalLong size(String image, RegistryAuth auth, String platform) {
        String host = ImageRef.registryOf(image);
        String repository = ImageRef.repositoryOf(image);
        if (repository.startsWith(host + "/")) {
            repository = repository.substring(host.length() + 1);
        }
        if ("docker.io".equals(host)) {
            // Docker Hub counts every manifest GET against the device's pull rate limit: not worth it
            return OptionalLong.empty();
        }
        String base = (loopback(host) ? "http://" : "https://") + host + "/v2/" + repository + "/manifests/";
        Session session = new Session(auth, repository);
        try {
            JsonNode manifest = session.get(base + ImageRef.tagOf(image));
            if (manifest.has("manifests")) {
                String digest = pick(manifest.path("manifests"), platform == null ? hostPlatform() : platform);
                if (digest == null) {
                    return OptionalLong.empty();
                }
                manifest = session.get(base + digest);
            }
            if (!manifest.has("layers")) {
                return OptionalLong.empty();
            }
            long size = manifest.path("config").path("size").asLong(0);
            for (JsonNode layer : manifest.path("layers")) {
                size += layer.path("size").asLong(0);
            }
            return OptionalLong.of(size);
        } catch (IOException | RuntimeException e) {
            Logger.debug("the size of {} is not known before the pull: {}", image, e.toString());
            return OptionalLong.empty();
        }
    }

    /** The digest of the index entry for {@code os/arch[/variant]}, or null. */
    static String pick(JsonNode manifests, String platform) {
        String[] want = platform.split("/");
        for (JsonNode entry : manifests) {
            JsonNode p = entry.path("platform");
            boolean match = want.length >= 2 && want[0].equals(p.path("os").asText())
                    && want[1].equals(p.path("architecture").asText())
                    && (want.length < 3 || want[2].equals(p.path("variant").asText()));
            if (match) {
                return entry.path("digest").asText(null);
            }
        }
        return null;
    }

    /** This host's platform in the registry's words (the agent runs beside the engine). */
    static String hostPlatform() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64" -> "linux/amd64";
            case "aarch64", "arm64" -> "linux/arm64";
            case "arm", "armv7l" -> "linux/arm/v7";
            default -> "linux/" + arch;
        };
    }

    static boolean loopback(String host) {
        return host.startsWith("127.") || host.equals("localhost") || host.startsWith("localhost:")
                || host.startsWith("[::1]");
    }

    /** Requests to one repository, with the credentials the registry asks for (once asked). */
    private final class Session {
        private final RegistryAuth auth;
        private final String repository;
        private String authorization;

        Session(RegistryAuth auth, String repository) {
            this.auth = auth;
            this.repository = repository;
        }

        JsonNode get(String url) throws IOException {
            HttpURLConnection c = open(url);
            try {
                if (c.getResponseCode() == 401 && authorization == null) {
                    String challenge = c.getHeaderField("WWW-Authenticate");
                    c.disconnect();
                    authorization = authorize(challenge);
                    c = open(url);
                }
                if (c.getResponseCode() != 200) {
                    throw new IOException("HTTP " + c.getResponseCode() + " for the manifest");
                }
                return read(c);
            } finally {
                c.disconnect();
            }
        }

        private HttpURLConnection open(String url) throws IOException {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(timeoutMillis);
            c.setReadTimeout(timeoutMillis);
            c.setInstanceFollowRedirects(false); // credentials go to the registry only
            c.setRequestProperty("Accept", ACCEPT);
            if (authorization != null) {
                c.setRequestProperty("Authorization", authorization);
            }
            return c;
        }

        /** The Authorization header for a 401 challenge: Basic with the credentials, or a Bearer token. */
        private String authorize(String challenge) throws IOException {
            if (challenge == null) {
                throw new IOException("HTTP 401 without a challenge");
            }
            String scheme = challenge.strip().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
            if (scheme.equals("basic")) {
                if (basic() == null) {
                    throw new IOException("the registry wants credentials and the document has none");
                }
                return basic();
            }
            if (!scheme.equals("bearer")) {
                throw new IOException("unknown auth scheme " + scheme);
            }
            Map<String, String> params = new LinkedHashMap<>();
            Matcher m = PARAM.matcher(challenge);
            while (m.find()) {
                params.put(m.group(1), m.group(2));
            }
            String realm = params.get("realm");
            if (realm == null || !realm.startsWith("https://") && !loopback(URI.create(realm).getHost())) {
                throw new IOException("no usable token realm in the challenge");
            }
            String scope = params.getOrDefault("scope", "repository:" + repository + ":pull");
            String url = realm + (realm.contains("?") ? "&" : "?")
                    + (params.containsKey("service") ? "service=" + encode(params.get("service")) + "&" : "")
                    + "scope=" + encode(scope);
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(timeoutMillis);
            c.setReadTimeout(timeoutMillis);
            if (basic() != null) {
                c.setRequestProperty("Authorization", basic());
            }
            try {
                if (c.getResponseCode() != 200) {
                    throw new IOException("HTTP " + c.getResponseCode() + " from the token service");
                }
                JsonNode answer = read(c);
                String token = answer.path("token").asText(answer.path("access_token").asText(""));
                if (token.isEmpty()) {
                    throw new IOException("the token service gave no token");
                }
                return "Bearer " + token;
            } finally {
                c.disconnect();
            }
        }

        private String basic() {
            if (auth == null || auth.username() == null || auth.password() == null) {
                return null;
            }
            String pair = auth.username() + ":" + auth.password().reveal();
            return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static JsonNode read(HttpURLConnection c) throws IOException {
        try (InputStream in = c.getInputStream()) {
            byte[] body = in.readNBytes(MAX_BODY);
            return JSON.readTree(body);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
