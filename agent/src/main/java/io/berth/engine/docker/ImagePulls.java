package io.berth.engine.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.engine.EngineException;
import io.berth.engine.PullProgress;
import io.berth.engine.http.EngineHttp;
import io.berth.engine.http.EngineStatusException;
import io.berth.model.ImageRef;
import io.berth.model.RegistryAuth;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.tinylog.Logger;

/**
 * Pulls an image for the device's platform ({@code POST /images/create}), with the document's
 * credentials (else those {@code docker login} stored for the agent's user, as docker-java
 * looked them up: {@link DockerLogins}), reporting progress by layer. The engine streams one
 * JSON object per step; a pull has worked when its last one says so, as docker-java judged it.
 */
final class ImagePulls {
    /** How long a pull may go without a word from the engine (progress comes several times a second). */
    private static final Duration PULL_SILENCE = Duration.ofMinutes(10);
    /** What the engine's last word of a pull that worked contains (docker-java's list). */
    private static final String[] SUCCESS = {"Download complete", "Image is up to date", "Downloaded newer image",
        "this image was pulled from a legacy registry", ": downloaded"};

    private final EngineHttp http;
    private final Function<String, ObjectNode> logins;
    private final String platform;
    private final EngineCalls calls;

    /**
     * @param logins   the credentials {@code docker login} stored for a repository, or null for none
     *                 ({@link DockerLogins#credentials}): used when the document gives none
     * @param platform {@code os/arch[/variant]} to pull, or null for the engine's own
     */
    ImagePulls(EngineHttp http, Function<String, ObjectNode> logins, String platform, EngineCalls calls) {
        this.http = http;
        this.logins = logins;
        this.platform = platform;
        this.calls = calls;
    }

    void pull(String image, RegistryAuth auth, Consumer<PullProgress> progress) throws EngineException {
        String what = "pull " + image + (platform == null ? "" : " for " + platform);
        calls.call(what, EngineCalls.Op.PULL, () -> {
            String path = "/images/create?fromImage=" + encode(ImageRef.repositoryOf(image)) + "&tag="
                    + encode(ImageRef.tagOf(image)) + (platform == null ? "" : "&platform=" + encode(platform));
            ObjectNode credentials = auth != null ? credentials(auth) : logins.apply(ImageRef.repositoryOf(image));
            Map<String, String> headers = credentials == null ? Map.of() : Map.of("X-Registry-Auth",
                    Base64.getUrlEncoder().encodeToString(credentials.toString().getBytes(StandardCharsets.UTF_8)));
            LayerProgress layers = new LayerProgress();
            JsonNode[] last = new JsonNode[1];
            try {
                http.stream("POST", path, headers, PULL_SILENCE.toMillis(), item -> {
                    last[0] = item;
                    JsonNode detail = item.path("progressDetail");
                    PullProgress sum = layers.update(EngineJson.text(item, "id"), EngineJson.text(item, "status"),
                            detail.has("current") ? detail.get("current").asLong() : null,
                            detail.has("total") ? detail.get("total").asLong() : null);
                    if (sum != null) {
                        try {
                            progress.accept(sum);
                        } catch (RuntimeException e) {
                            Logger.warn(e, "a pull progress listener failed");
                        }
                    }
                });
            } catch (EngineHttp.SilenceException e) {
                throw EngineException.retryable(what + " stalled: the engine reported no progress for "
                        + PULL_SILENCE.toMinutes() + " minutes; it will be tried again", e);
            }
            String failure = failure(last[0]);
            if (failure != null) {
                throw new EngineCalls.StreamError(failure);
            }
            return null;
        });
    }

    /** Why a pull whose last word was {@code last} did not work, or null when it did (docker-java's rule). */
    static String failure(JsonNode last) {
        if (last == null) {
            return "Could not pull image";
        }
        String error = errorOf(last);
        String status = EngineJson.text(last, "status");
        if (error == null && status != null) {
            for (String word : SUCCESS) {
                if (status.contains(word)) {
                    return null;
                }
            }
        }
        return "Could not pull image: " + (error != null ? error : status);
    }

    /** The error a message of the engine's progress stream (a pull's, a load's) reports, or null. */
    static String errorOf(JsonNode item) {
        String error = EngineJson.text(item, "error");
        if (error == null && item.path("errorDetail").has("message")) {
            error = item.path("errorDetail").path("message").asText();
        }
        return error;
    }

    private static ObjectNode credentials(RegistryAuth auth) {
        return JsonNodeFactory.instance.objectNode().put("username", auth.username())
                .put("password", auth.password().reveal()).put("serveraddress", auth.registry());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
