package io.berth.registry;

import static io.berth.registry.RegistryClient.digester;
import static io.berth.registry.RegistryClient.encode;
import static io.berth.registry.RegistryClient.loopback;
import static io.berth.registry.RegistryClient.read;
import static io.berth.registry.RegistryClient.redirect;
import static io.berth.registry.RegistryClient.sha256;
import static io.berth.registry.RegistryClient.tooBig;
import static io.berth.registry.RegistryClient.unreachable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.model.RegistryAuth;
import io.berth.registry.RegistryClient.Blob;
import io.berth.registry.RegistryClient.Body;
import io.berth.registry.RegistryClient.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Requests to one repository of a registry (see {@link RegistryClient}), with the credentials the
 * registry asks for, once it asks and again when it refuses them (an expired token): Basic, or a
 * Bearer token for {@code pull} ({@code pull,push} in a push session) from its token service (see
 * {@link Authorizer}).
 */
final class RegistrySession {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_MANIFEST = 4 * 1024 * 1024;

    private final String host;
    private final String repository;
    private final String base;
    private final int timeoutMillis;
    private final Authorizer authorizer;
    private String authorization;

    RegistrySession(String host, String repository, RegistryAuth auth, boolean push, int timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
        this.host = host;
        this.repository = repository;
        this.authorizer = new Authorizer(host, repository, auth, push, timeoutMillis);
        this.base = (loopback(host) ? "http://" : "https://") + host + "/v2/" + repository;
    }

    /** The manifest (or index) of a tag or digest, at most 4 MiB. */
    Manifest manifest(String reference) throws RegistryException {
        String what = "the manifest " + name(reference);
        try {
            HttpURLConnection c = exchange("GET", base + "/manifests/" + reference, null, null);
            try {
                expect(c, 200, what);
                byte[] body = read(c, MAX_MANIFEST, what);
                return new Manifest(body, c.getContentType(), c.getHeaderField("Docker-Content-Digest"));
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            throw unreachable(what, e);
        }
    }

    /** The manifest of a tag or digest as JSON. */
    JsonNode manifestJson(String reference) throws RegistryException {
        byte[] body = manifest(reference).body();
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new RegistryException(name(reference) + " is not JSON: " + e.getMessage());
        }
    }

    /**
     * Streams a blob to {@code file} (created or replaced), computing its digest and counting its
     * bytes; fails, leaving the file as far as it got, when it is larger than {@code maxBytes}.
     * The caller compares the digest with the one it asked for.
     */
    Blob blob(String digest, Path file, long maxBytes) throws RegistryException {
        String what = "the blob " + name(digest);
        try {
            HttpURLConnection c = openBlob(digest, what);
            try {
                long declared = c.getContentLengthLong();
                if (declared > maxBytes) {
                    throw tooBig(what, String.valueOf(declared), maxBytes);
                }
                MessageDigest sha = digester();
                long size = 0;
                try (InputStream in = c.getInputStream(); OutputStream out = output(file, what)) {
                    byte[] buffer = new byte[64 * 1024];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        size += n;
                        if (size > maxBytes) {
                            throw tooBig(what, "at least " + size, maxBytes);
                        }
                        sha.update(buffer, 0, n);
                        write(out, buffer, n, file, what);
                    }
                }
                return new Blob("sha256:" + HexFormat.of().formatHex(sha.digest()), size);
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            throw unreachable(what, e);
        }
    }

    private static OutputStream output(Path file, String what) throws RegistryException {
        try {
            return Files.newOutputStream(file);
        } catch (IOException e) {
            throw diskFailed(file, what, e);
        }
    }

    private static void write(OutputStream out, byte[] buffer, int n, Path file, String what) throws RegistryException {
        try {
            out.write(buffer, 0, n);
        } catch (IOException e) {
            throw diskFailed(file, what, e);
        }
    }

    private static RegistryException diskFailed(Path file, String what, IOException e) {
        return new RegistryException("writing " + what + " to " + file + " failed: " + e.getMessage()
                + "; check the disk (space, permissions)", e);
    }

    /** A small blob's bytes (a config), at most {@code maxBytes}; the caller checks the digest. */
    byte[] blobBytes(String digest, int maxBytes) throws RegistryException {
        String what = "the blob " + name(digest);
        try {
            HttpURLConnection c = openBlob(digest, what);
            try {
                return read(c, maxBytes, what);
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            throw unreachable(what, e);
        }
    }

    /** A blob's answer, after the registry's redirects to its storage (which get no credentials). */
    private HttpURLConnection openBlob(String digest, String what) throws IOException, RegistryException {
        HttpURLConnection c = exchange("GET", base + "/blobs/" + digest, null, null);
        for (int hop = 0; redirect(c.getResponseCode()) && hop < 3; hop++) {
            URI next = URI.create(c.getURL().toString()).resolve(c.getHeaderField("Location"));
            c.disconnect();
            boolean loopbackToLoopback = "http".equals(next.getScheme()) && base.startsWith("http:")
                    && loopback(next.getHost());
            if (!"https".equals(next.getScheme()) && !loopbackToLoopback) {
                throw new RegistryException(what + ": the registry redirects to " + next.getScheme() + "://"
                        + next.getHost() + ", which is not HTTPS (plain HTTP only from a loopback registry to "
                        + "loopback); fix the registry's storage redirect");
            }
            c = open("GET", next.toString(), null, null);
        }
        try {
            expect(c, 200, what);
        } catch (RegistryException | IOException e) {
            c.disconnect();
            throw e;
        }
        return c;
    }

    /** Whether the registry has the blob already (HEAD). */
    boolean hasBlob(String digest) throws RegistryException {
        String what = "the blob " + name(digest);
        try {
            HttpURLConnection c = exchange("HEAD", base + "/blobs/" + digest, null, null);
            try {
                if (c.getResponseCode() == 404) {
                    return false;
                }
                expect(c, 200, what);
                return true;
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            throw unreachable(what, e);
        }
    }

    /** Uploads a blob in one piece (POST an upload, PUT it with its digest), unless the registry has it. */
    void pushBlob(String digest, Body body) throws RegistryException {
        if (hasBlob(digest)) {
            return;
        }
        String what = "the upload of " + name(digest);
        String location = send("POST", base + "/blobs/uploads/", null, Body.of(new byte[0]), 202, what);
        if (location == null) {
            throw new RegistryException(what + ": the registry gave no upload location; is " + host + " a Registry v2 API?");
        }
        String url = URI.create(base + "/blobs/uploads/").resolve(location).toString();
        send("PUT", url + (url.contains("?") ? "&" : "?") + "digest=" + encode(digest), "application/octet-stream",
                body, 201, what);
    }

    /** Stores a manifest under a tag or its digest; returns the digest of its bytes. */
    String putManifest(String reference, byte[] body, String mediaType) throws RegistryException {
        send("PUT", base + "/manifests/" + reference, mediaType, Body.of(body), 201,
                "storing the manifest " + name(reference));
        return sha256(body);
    }

    /** Sends a body, expecting {@code status}; returns the answer's Location header (null when none). */
    private String send(String method, String url, String contentType, Body body, int status, String what)
            throws RegistryException {
        try {
            HttpURLConnection c = exchange(method, url, contentType, body);
            try {
                expect(c, status, what);
                return c.getHeaderField("Location");
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            throw unreachable(what, e);
        }
    }

    /** {@code HOST/REPO:TAG} or {@code HOST/REPO@DIGEST}, for messages. */
    String name(String reference) {
        return host + "/" + repository + (reference.contains(":") ? "@" : ":") + reference;
    }

    private HttpURLConnection exchange(String method, String url, String contentType, Body body)
            throws IOException, RegistryException {
        HttpURLConnection c = open(method, url, contentType, body);
        if (c.getResponseCode() == 401) {
            // no credentials sent yet, or a token that expired (they live minutes): authorize once more
            String renewed = authorizer.authorize(c.getHeaderField("WWW-Authenticate"));
            if (!renewed.equals(authorization)) {
                c.disconnect();
                authorization = renewed;
                c = open(method, url, contentType, body);
            } // else the same credentials were refused: the caller reports the 401
        }
        return c;
    }

    private HttpURLConnection open(String method, String url, String contentType, Body body) throws IOException {
        URI uri = URI.create(url);
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        c.setRequestMethod(method);
        c.setConnectTimeout(timeoutMillis);
        c.setReadTimeout(timeoutMillis);
        c.setInstanceFollowRedirects(false); // credentials go to the registry only
        c.setRequestProperty("Accept", RegistryClient.MANIFEST_TYPES);
        if (authorization != null && host.equalsIgnoreCase(uri.getRawAuthority())) {
            c.setRequestProperty("Authorization", authorization);
        }
        if (contentType != null) {
            c.setRequestProperty("Content-Type", contentType);
        }
        if (body != null) {
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(body.length());
            try (OutputStream out = c.getOutputStream()) {
                body.writeTo(out);
            }
        }
        return c;
    }

    private void expect(HttpURLConnection c, int status, String what) throws IOException, RegistryException {
        authorizer.expect(c, status, what);
    }
}
