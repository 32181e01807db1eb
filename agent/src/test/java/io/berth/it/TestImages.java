package io.berth.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Unique images for a test, pushed to the dev-services registry (127.0.0.1:5000) and removed from
 * the engine and the registry (manifest and blobs) at close. Each holds busybox-static and some
 * random bytes, so no two share a layer.
 */
final class TestImages implements AutoCloseable {
    static final String REGISTRY = "127.0.0.1:5000";
    private static final String MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String unique;
    private final List<String> pushed = new ArrayList<>();
    private final List<String> localTags = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    TestImages(String unique) {
        this.unique = unique;
    }

    /**
     * Builds {@code 127.0.0.1:5000/berth-it/UNIQUE-NAME:1} ({@code sleep 3600} by default) with
     * {@code randomBytes} of random data, pushes it, and removes the local copy so the agent pulls it.
     */
    String push(String name, int randomBytes) throws IOException {
        String image = REGISTRY + "/berth-it/" + unique + "-" + name + ":1";
        Path root = Files.createTempDirectory("berth-image");
        try {
            Files.createDirectories(root.resolve("bin"));
            Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
            for (String applet : List.of("sh", "sleep")) {
                Files.createSymbolicLink(root.resolve("bin/" + applet), Path.of("busybox"));
            }
            byte[] data = new byte[randomBytes];
            ThreadLocalRandom.current().nextBytes(data);
            Files.write(root.resolve("data.bin"), data);
            Process tar = new ProcessBuilder("sh", "-c", "tar --numeric-owner -C '" + root + "' -cf - . | docker import "
                    + "-c 'ENV PATH=/bin' -c 'CMD [\"sleep\",\"3600\"]' - " + image)
                    .redirectErrorStream(true).start();
            String out = new String(tar.getInputStream().readAllBytes());
            if (tar.waitFor() != 0) {
                throw new AssertionError("docker import of " + image + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            try (var files = Files.walk(root)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        pushed.add(image);
        DockerCli.ok("push", image);
        DockerCli.ok("rmi", image);
        return image;
    }

    /**
     * The reference of a pushed image through another host:port of the same registry (a proxy);
     * what the engine pulls under that name is removed at close.
     */
    String pulledAs(String pushed, String host) {
        String image = host + pushed.substring(REGISTRY.length());
        localTags.add(image);
        return image;
    }

    /** A local tag of {@code source} that Berth never pulled, removed at close. */
    String tagLocally(String source, String name) {
        String image = "berth-it/" + unique + "-" + name + ":1";
        DockerCli.ok("tag", source, image);
        localTags.add(image);
        return image;
    }

    static boolean present(String image) {
        return DockerCli.run("image", "inspect", image).exitCode() == 0;
    }

    @Override
    public void close() throws Exception {
        for (String image : localTags) {
            DockerCli.run("rmi", image);
        }
        for (String image : pushed) {
            DockerCli.run("rmi", image);
            deleteFromRegistry(image);
        }
    }

    /** Deletes the image's blobs and manifest from the registry (it has delete enabled). */
    private void deleteFromRegistry(String image) throws IOException, InterruptedException {
        String path = image.substring(REGISTRY.length() + 1);
        String repo = path.substring(0, path.lastIndexOf(':'));
        String tag = path.substring(path.lastIndexOf(':') + 1);
        URI manifestUri = URI.create("http://" + REGISTRY + "/v2/" + repo + "/manifests/" + tag);
        HttpResponse<String> manifest = http.send(HttpRequest.newBuilder(manifestUri).header("Accept", MANIFEST_V2)
                .build(), HttpResponse.BodyHandlers.ofString());
        if (manifest.statusCode() != 200) {
            return;
        }
        String digest = manifest.headers().firstValue("Docker-Content-Digest").orElse(null);
        JsonNode tree = JSON.readTree(manifest.body());
        List<String> blobs = new ArrayList<>();
        blobs.add(tree.path("config").path("digest").asText());
        tree.path("layers").forEach(l -> blobs.add(l.path("digest").asText()));
        for (String blob : blobs) {
            http.send(HttpRequest.newBuilder(URI.create("http://" + REGISTRY + "/v2/" + repo + "/blobs/" + blob))
                    .DELETE().build(), HttpResponse.BodyHandlers.discarding());
        }
        if (digest != null) {
            http.send(HttpRequest.newBuilder(URI.create("http://" + REGISTRY + "/v2/" + repo + "/manifests/" + digest))
                    .DELETE().build(), HttpResponse.BodyHandlers.discarding());
        }
    }
}
