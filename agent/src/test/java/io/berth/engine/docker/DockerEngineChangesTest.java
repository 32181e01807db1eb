package io.berth.engine.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.engine.EngineException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The requests of a start, a stop and an image removal, and the answers of dockerd 20.10 that are
 * not failures ({@code 304 Not Modified}: started or stopped already; {@code 404}: gone already),
 * against a fake engine.
 */
class DockerEngineChangesTest {
    @TempDir
    Path dir;
    FakeEngine fake;
    DockerEngine engine;

    @BeforeEach
    void startTheEngine() throws Exception {
        fake = FakeEngine.start(dir.resolve("e.sock"))
                // what a start checks first: an image of the engine's own architecture
                .answer("GET", "/containers/c1/json", 200, "{\"Id\":\"c1\",\"Image\":\"sha256:img\"}")
                .answer("GET", "/images/sha256:img/json", 200, "{\"Id\":\"sha256:img\",\"Architecture\":\"amd64\"}")
                .answer("GET", "/info", 200, "{\"Architecture\":\"x86_64\"}");
        engine = new DockerEngine(fake.host(), Map.of("berth.device", "d1"));
    }

    @AfterEach
    void stopTheEngine() throws Exception {
        engine.close();
        fake.close();
    }

    @Test
    void aStartIsAPost() throws Exception {
        fake.answer("POST", "/containers/c1/start", 204, null);
        engine.start("c1");
        FakeEngine.Request start = fake.only("/containers/c1/start");
        assertEquals("POST", start.method());
        assertEquals("/containers/c1/start", start.path());
    }

    @Test
    void aContainerThatRunsAlreadyIsStarted() throws Exception {
        fake.answer("POST", "/containers/c1/start", 304, null);
        engine.start("c1");
        assertEquals("POST", fake.only("/containers/c1/start").method());
    }

    @Test
    void aStartTheEngineRefusesFails() {
        fake.answer("POST", "/containers/c1/start", 500, "{\"message\":\"OCI runtime create failed\"}");
        EngineException e = assertThrows(EngineException.class, () -> engine.start("c1"));
        assertEquals("start container c1 failed: OCI runtime create failed", e.getMessage());
    }

    @Test
    void aStopIsAPostWithItsGracePeriod() throws Exception {
        fake.answer("POST", "/containers/c1/stop", 204, null);
        engine.stop("c1", Duration.ofSeconds(12));
        FakeEngine.Request stop = fake.only("/containers/c1/stop");
        assertEquals("POST", stop.method());
        assertEquals("/containers/c1/stop?t=12", stop.path());
    }

    @Test
    void aContainerThatIsStoppedAlreadyOrGoneIsStopped() throws Exception {
        fake.answer("POST", "/containers/c1/stop", 304, null);
        engine.stop("c1", Duration.ofSeconds(10));
        // no answer for c2: the engine's 404, "No such container"
        engine.stop("c2", Duration.ofSeconds(10));
        assertEquals(List.of("POST /containers/c1/stop?t=10", "POST /containers/c2/stop?t=10"),
                fake.requests().stream().map(r -> r.method() + " " + r.path()).toList());
    }

    @Test
    void aStopTheEngineRefusesFails() {
        fake.answer("POST", "/containers/c1/stop", 500, "{\"message\":\"cannot kill container\"}");
        EngineException e = assertThrows(EngineException.class, () -> engine.stop("c1", Duration.ofSeconds(10)));
        assertFalse(e.terminal());
        assertEquals("stop container c1 failed: cannot kill container", e.getMessage());
    }

    @Test
    void anImageIsRemovedWithoutForce() throws Exception {
        fake.answer("DELETE", "/images/sha256:abc", 200, "[{\"Untagged\":\"r/x:1\"},{\"Deleted\":\"sha256:abc\"}]");
        assertTrue(engine.removeImage("sha256:abc"));
        FakeEngine.Request removal = fake.only("/images/sha256:abc");
        assertEquals("DELETE", removal.method());
        assertEquals("/images/sha256:abc?force=0", removal.path(), "never forced: an image in use stays");
    }

    @Test
    void anImageInUseStaysAndOneGoneIsRemoved() throws Exception {
        fake.answer("DELETE", "/images/sha256:used", 409, "{\"message\":\"conflict: unable to delete sha256:used "
                + "(cannot be forced) - image is being used by running container c1\"}");
        assertFalse(engine.removeImage("sha256:used"));
        assertTrue(engine.removeImage("sha256:gone"), "no such image: what was asked for");
    }
}
