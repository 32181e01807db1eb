package io.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.ImageRef;
import io.berth.model.RegistryAuth;
import java.util.Locale;
import java.util.OptionalLong;
import org.tinylog.Logger;

/**
 * An image's download size from its registry's manifest, before the pull: the config and layer
 * sizes of the manifest (for an index or manifest list, of the entry for the platform). The
 * engine API cannot tell it ({@code /distribution/…/json} gives only the manifest's own size), so
 * this asks the registry (Docker Registry HTTP API v2, through {@link RegistryClient}) with the
 * document's credentials: Basic, or a Bearer token from the registry's token service. Anything
 * it cannot read (a mirror, a registry CA only the engine knows, a timeout) is "unknown", never
 * an error: the disk floor then stands for the image. Docker Hub is not asked: it counts manifest reads as pulls.
 */
public final class ManifestSizes {
    private final RegistryClient client;

    public ManifestSizes(int timeoutMillis) {
        this.client = new RegistryClient(timeoutMillis);
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
        RegistrySession session = client.session(host, repository, auth, false);
        try {
            JsonNode manifest = session.manifestJson(ImageRef.tagOf(image));
            if (manifest.has("manifests")) {
                String digest = pick(manifest.path("manifests"), platform == null ? hostPlatform() : platform);
                if (digest == null) {
                    return OptionalLong.empty();
                }
                manifest = session.manifestJson(digest);
            }
            if (!manifest.has("layers")) {
                return OptionalLong.empty();
            }
            long size = manifest.path("config").path("size").asLong(0);
            for (JsonNode layer : manifest.path("layers")) {
                size += layer.path("size").asLong(0);
            }
            return OptionalLong.of(size);
        } catch (RegistryException | RuntimeException e) {
            Logger.debug("the size of {} is not known before the pull: {}", image, e.getMessage());
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
}
