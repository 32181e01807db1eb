package io.berth.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.PullResponseItem;
import io.berth.engine.EngineException;
import io.berth.engine.PullProgress;
import io.berth.model.ImageRef;
import io.berth.model.RegistryAuth;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.tinylog.Logger;

/** Pulls an image for the device's platform, with the document's credentials, reporting progress by layer. */
final class ImagePulls {
    private static final Duration PULL_TIMEOUT = Duration.ofMinutes(30);

    private final Supplier<DockerClient> client;
    private final String platform;
    private final EngineCalls calls;

    /** @param platform {@code os/arch[/variant]} to pull, or null for the engine's own */
    ImagePulls(Supplier<DockerClient> client, String platform, EngineCalls calls) {
        this.client = client;
        this.platform = platform;
        this.calls = calls;
    }

    void pull(String image, RegistryAuth auth, Consumer<PullProgress> progress) throws EngineException {
        String what = "pull " + image + (platform == null ? "" : " for " + platform);
        calls.call(what, EngineCalls.Op.PULL, () -> {
            var cmd = client.get().pullImageCmd(ImageRef.repositoryOf(image)).withTag(ImageRef.tagOf(image));
            if (platform != null) {
                cmd.withPlatform(platform);
            }
            if (auth != null) {
                cmd.withAuthConfig(new AuthConfig()
                        .withRegistryAddress(auth.registry())
                        .withUsername(auth.username())
                        .withPassword(auth.password().reveal()));
            }
            try {
                LayerProgress layers = new LayerProgress();
                boolean done = cmd.exec(new PullImageResultCallback() {
                            @Override
                            public void onNext(PullResponseItem item) {
                                super.onNext(item);
                                var detail = item.getProgressDetail();
                                PullProgress sum = layers.update(item.getId(), item.getStatus(),
                                        detail == null ? null : detail.getCurrent(),
                                        detail == null ? null : detail.getTotal());
                                if (sum != null) {
                                    try {
                                        progress.accept(sum);
                                    } catch (RuntimeException e) {
                                        Logger.warn(e, "a pull progress listener failed");
                                    }
                                }
                            }
                        })
                        .awaitCompletion(PULL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                if (!done) {
                    throw EngineException.retryable(what + " did not finish within " + PULL_TIMEOUT.toMinutes()
                            + " minutes; it will be tried again", null);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw EngineException.retryable(what + " was interrupted", e);
            }
            return null;
        });
    }
}
