package io.berth.engine.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.engine.EngineException;
import io.berth.engine.PullProgress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls over the engine's {@code POST /images/create} stream, against a fake engine. */
class ImagePullsTest {
    private static final String PATH = "/images/create?fromImage=127.0.0.1%3A5000%2Fdemo%2Fbusybox&tag=1"
            + "&platform=linux%2Farm64";

    @TempDir
    Path dir;

    private ImagePulls pulls(String answer) throws Exception {
        return new ImagePulls(FakeEngine.serve(dir.resolve("e.sock"), answer == null ? Map.of() : Map.of(PATH, answer)),
                new DockerLogins(), "linux/arm64", new EngineCalls("unix:///fake"));
    }

    @Test
    void aPullReportsItsLayersAndEndsWell() throws Exception {
        List<PullProgress> progress = new ArrayList<>();
        pulls("""
                {"status":"Pulling from demo/busybox","id":"1"}
                {"status":"Pulling fs layer","progressDetail":{},"id":"abc"}
                {"status":"Downloading","progressDetail":{"current":5,"total":10},"progress":"[=>  ]","id":"abc"}
                {"status":"Download complete","progressDetail":{},"id":"abc"}
                {"status":"Digest: sha256:0d21"}
                {"status":"Status: Downloaded newer image for 127.0.0.1:5000/demo/busybox:1"}
                """).pull("127.0.0.1:5000/demo/busybox:1", null, progress::add);
        assertFalse(progress.isEmpty(), "the layer's bytes were reported");
        assertTrue(progress.stream().anyMatch(p -> p.equals(new PullProgress(5, 10))), progress.toString());
    }

    @Test
    void anErrorInsideTheStreamIsRetried() throws Exception {
        EngineException e = assertThrows(EngineException.class, () -> pulls("""
                {"status":"Pulling from demo/busybox","id":"1"}
                {"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}
                """).pull("127.0.0.1:5000/demo/busybox:1", null, p -> { }));
        assertFalse(e.terminal());
        assertEquals("pull 127.0.0.1:5000/demo/busybox:1 for linux/arm64 failed: Could not pull image: unexpected EOF",
                e.getMessage());
    }

    @Test
    void anImageTheRegistryDoesNotHaveIsTerminal() throws Exception {
        EngineException e = assertThrows(EngineException.class,
                () -> pulls(null).pull("127.0.0.1:5000/demo/busybox:1", null, p -> { }));
        assertTrue(e.terminal(), e.getMessage());
        assertTrue(e.getMessage().contains("check the image name and the registry credentials"), e.getMessage());
    }

    @Test
    void theLastWordDecides() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertNull(ImagePulls.failure(json.readTree("{\"status\":\"Status: Image is up to date for busybox:1\"}")));
        assertEquals("Could not pull image", ImagePulls.failure(null));
        assertEquals("Could not pull image: Pulling fs layer",
                ImagePulls.failure(json.readTree("{\"status\":\"Pulling fs layer\",\"id\":\"abc\"}")));
    }
}
