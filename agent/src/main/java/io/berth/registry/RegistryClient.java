package io.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.model.RegistryAuth;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Requests to a registry (Docker Registry HTTP API v2): manifests and blobs, read and pushed,
 * with the credentials the registry asks for once it asks: Basic, or a Bearer token from its
 * token service ({@code pull}, or {@code pull,push} for a push session). Plain HTTP for loopback
 * hosts only, HTTPS otherwise; bodies are bounded, every request times out, redirects are
 * followed for blobs only and never carry the credentials to another host.
 */
public final class RegistryClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String MANIFEST_TYPES = String.join(", ",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json");
    private static final int MAX_ERROR = 64 * 1024;
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[^\\]]*\\]|[^:\\[\\]]+)(?::\\d{1,5})?");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    private final int timeoutMillis;

    public RegistryClient(int timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    /** A manifest as the registry sent it: its bytes, Content-Type and Docker-Content-Digest (null when absent). */
    record Manifest(byte[] body, String mediaType, String digest) {}

    /** A blob as read: its {@code sha256:…} digest computed over the bytes and their count. */
    record Blob(String digest, long size) {}

    /** Requests to one repository of {@code host}; {@code push} asks the token service for {@code pull,push}. */
    RegistrySession session(String host, String repository, RegistryAuth auth, boolean push) {
        return new RegistrySession(host, repository, auth, push, timeoutMillis);
    }

    /** What a request sends: bytes or a file, sent again when the registry first asks for credentials. */
    interface Body {
        long length() throws IOException;

        void writeTo(OutputStream out) throws IOException;

        static Body of(byte[] bytes) {
            return new Body() {
                public long length() {
                    return bytes.length;
                }

                public void writeTo(OutputStream out) throws IOException {
                    out.write(bytes);
                }
            };
        }

        static Body of(Path file) {
            return new Body() {
                public long length() throws IOException {
                    return Files.size(file);
                }

                public void writeTo(OutputStream out) throws IOException {
                    Files.copy(file, out);
                }
            };
        }
    }

    /**
     * Whether HOST[:PORT] is this machine's loopback, told by the address, never by a name's look: an
     * IPv4 address in 127.0.0.0/8, the IPv6 address ::1, or {@code localhost}. A name such as
     * {@code 127.0.0.1.nip.io} is not loopback: it resolves wherever its owner points it.
     */
    public static boolean loopback(String hostPort) {
        Matcher m = hostPort == null ? null : HOST_PORT.matcher(hostPort);
        if (m == null || !m.matches()) {
            return false;
        }
        String host = m.group(1);
        if (host.startsWith("[")) {
            try { // a bracketed literal is parsed, never looked up
                return host.substring(1, host.length() - 1).matches("[0-9A-Fa-f:.]+")
                        && InetAddress.getByName(host).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
        Matcher v4 = IPV4.matcher(host);
        if (v4.matches()) {
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(v4.group(i)) > 255) {
                    return false;
                }
            }
            return v4.group(1).equals("127");
        }
        return host.equalsIgnoreCase("localhost");
    }

    /** {@code sha256:HEX} of some bytes. */
    static String sha256(byte[] bytes) {
        return "sha256:" + HexFormat.of().formatHex(digester().digest(bytes));
    }

    static MessageDigest digester() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The registry's {@code {"errors":[{"code","message"}]}} of a failed answer, as "CODE: message", or "". */
    static String registryError(HttpURLConnection c) {
        try (InputStream in = c.getErrorStream()) {
            if (in == null) {
                return "";
            }
            return errorText(in.readNBytes(MAX_ERROR));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    static String errorText(byte[] body) {
        try {
            StringBuilder text = new StringBuilder();
            for (JsonNode e : JSON.readTree(body).path("errors")) {
                text.append(text.length() == 0 ? "" : "; ").append(e.path("code").asText("?"))
                        .append(": ").append(e.path("message").asText(""));
            }
            return text.toString();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    static boolean redirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    static byte[] read(HttpURLConnection c, int max, String what) throws IOException, RegistryException {
        try (InputStream in = c.getInputStream()) {
            byte[] body = in.readNBytes(max + 1);
            if (body.length > max) {
                throw tooBig(what, "more than " + max, max);
            }
            return body;
        }
    }

    static RegistryException tooBig(String what, String size, long max) {
        return new RegistryException(what + " is too big: " + size + " bytes, where at most " + max
                + " are allowed; check that the reference names what you meant");
    }

    static RegistryException unreachable(String what, IOException e) {
        return new RegistryException(what + ": " + e + "; check that the registry is reachable from here", e);
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
