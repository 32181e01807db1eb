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
    /** {@code repository@digest} of every manifest pushed. */
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
        pushToRegistry(image);
        DockerCli.ok("rmi", image);
        return image;
    }

    /**
     * Tags {@code source} as {@code 127.0.0.1:5000/berth-it/UNIQUE-NAME:1}, pushes it and removes
     * the local tag, so the agent has to pull it; deleted from the registry at close.
     */
    String pushTag(String source, String name) {
        String image = REGISTRY + "/berth-it/" + unique + "-" + name + ":1";
        DockerCli.ok("tag", source, image);
        pushToRegistry(image);
        DockerCli.ok("rmi", image);
        return image;
    }

    /**
     * Moves the registry's tag of an image pushed before to {@code source}; the local tag is left
     * pointing at {@code source} and removed at close.
     */
    void repush(String source, String image) {
        DockerCli.ok("tag", source, image);
        pushToRegistry(image);
    }

    private void pushToRegistry(String image) {
        localTags.add(image); // the agent's pull brings it back
        DockerCli.ok("push", image);
        String digest = DockerCli.ok("image", "inspect", "-f", "{{join .RepoDigests \" \"}}", image).lines()
                .flatMap(l -> List.of(l.split(" ")).stream())
                .filter(d -> d.startsWith(image.substring(0, image.lastIndexOf(':')) + "@"))
                .map(d -> d.substring(d.indexOf('@') + 1))
                .findFirst().orElseThrow(() -> new AssertionError("no registry digest for " + image + " after the push"));
        pushed.add(image.substring(REGISTRY.length() + 1, image.lastIndexOf(':')) + "@" + digest);
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
        for (String manifest : pushed) {
            deleteFromRegistry(manifest.substring(0, manifest.indexOf('@')), manifest.substring(manifest.indexOf('@') + 1));
        }
    }

    /**
     * Deletes a pushed manifest and this repository's links to its blobs from the registry (it has
     * delete enabled); the tags that named it go with it. Other repositories' links to the same
     * blobs (demo/busybox's, for a re-tagged test image) are their own and stay.
     */
    private void deleteFromRegistry(String repo, String digest) throws IOException, InterruptedException {
        URI manifestUri = URI.create("http://" + REGISTRY + "/v2/" + repo + "/manifests/" + digest);
        HttpResponse<String> manifest = http.send(HttpRequest.newBuilder(manifestUri).header("Accept", MANIFEST_V2)
                .build(), HttpResponse.BodyHandlers.ofString());
        if (manifest.statusCode() != 200) {
            return;
        }
        JsonNode tree = JSON.readTree(manifest.body());
        List<String> blobs = new ArrayList<>();
        blobs.add(tree.path("config").path("digest").asText());
        tree.path("layers").forEach(l -> blobs.add(l.path("digest").asText()));
        for (String blob : blobs) {
            http.send(HttpRequest.newBuilder(URI.create("http://" + REGISTRY + "/v2/" + repo + "/blobs/" + blob))
                    .DELETE().build(), HttpResponse.BodyHandlers.discarding());
        }
        http.send(HttpRequest.newBuilder(manifestUri).DELETE().build(), HttpResponse.BodyHandlers.discarding());
    }
}
