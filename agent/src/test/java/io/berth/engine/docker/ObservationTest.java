package io.berth.engine.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.engine.EngineException;
import io.berth.engine.http.EngineHttp;
import io.berth.model.ContainerStatus;
import io.berth.model.Health;
import io.berth.model.ObservedContainer;
import io.berth.model.ObservedNetwork;
import io.berth.model.ObservedState;
import io.berth.model.ObservedVolume;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The observation read from the Engine API's JSON (dockerd 20.10's shapes), against a fake engine. */
class ObservationTest {
    private static final String OWNED = "\"berth.managed\":\"true\",\"berth.device\":\"d1\"";
    private static final Map<String, String> OWNERSHIP = Map.of("berth.managed", "true", "berth.device", "d1");

    @TempDir
    Path dir;
    private FakeEngine engine;

    private EngineHttp fakeEngine(Map<String, String> answers) throws IOException {
        engine = FakeEngine.serve(dir.resolve("e.sock"), answers);
        return engine.http();
    }

    @AfterEach
    void stopTheEngine() throws Exception {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void readsContainersVolumesImagesAndNetworks() throws Exception {
        EngineHttp http = fakeEngine(Map.of(
                "/containers/json?all=1", "[{\"Id\":\"aaa\",\"Names\":[\"/web-1\"],\"Image\":\"busybox:1\","
                        + "\"ImageID\":\"sha256:img\",\"Labels\":{" + OWNED + ",\"berth.service\":\"web\","
                        + "\"berth.hash\":\"h1\",\"berth.revision\":\"3\"},\"State\":\"running\"},"
                        + "{\"Id\":\"bbb\",\"Names\":[\"/someone-elses\"],\"Labels\":{}},"
                        + "{\"Id\":\"ccc\",\"Names\":[\"/wanted\"],\"Labels\":null},"
                        + "{\"Id\":\"ddd\",\"Names\":[\"/exited\"],\"Labels\":{" + OWNED + "}}]",
                "/containers/aaa/json", "{\"Id\":\"aaa\",\"Image\":\"sha256:img\",\"RestartCount\":2,"
                        + "\"State\":{\"Status\":\"running\",\"Running\":true,\"ExitCode\":0,"
                        + "\"StartedAt\":\"2026-12-01T10:00:00.5Z\",\"OOMKilled\":false,\"Health\":{\"Status\":\"healthy\"}},"
                        + "\"Config\":{\"Image\":\"busybox:1\"},\"Mounts\":[{\"Type\":\"volume\",\"Name\":\"v1\","
                        + "\"Destination\":\"/data\"},{\"Type\":\"bind\",\"Source\":\"/x\",\"Destination\":\"/y\"}]}",
                "/containers/ddd/json", "{\"Id\":\"ddd\",\"Image\":\"sha256:old\",\"RestartCount\":0,"
                        + "\"State\":{\"Status\":\"exited\",\"Running\":false,\"ExitCode\":137,"
                        + "\"StartedAt\":\"0001-01-01T00:00:00Z\",\"OOMKilled\":true},\"Config\":{\"Image\":\"x:1\"},"
                        + "\"Mounts\":null}",
                "/volumes", "{\"Volumes\":[{\"Name\":\"v1\",\"Labels\":{" + OWNED + ",\"berth.service\":\"web\","
                        + "\"berth.anonymous\":\"/data\"}},{\"Name\":\"named\",\"Labels\":null},"
                        + "{\"Name\":\"unrelated\",\"Labels\":{}}],\"Warnings\":null}",
                "/images/busybox:1/json", "{\"Id\":\"sha256:img\",\"Size\":1234}",
                "/networks", "[{\"Name\":\"bridge\",\"Id\":\"n0\",\"Labels\":{},\"Containers\":{}},"
                        + "{\"Name\":\"d1_default\",\"Id\":\"n1\",\"Labels\":{" + OWNED + "},\"Containers\":{}},"
                        + "{\"Name\":\"d1_idle\",\"Id\":\"n2\",\"Labels\":{" + OWNED + "}}]",
                "/networks/n1", "{\"Name\":\"d1_default\",\"Containers\":{\"aaa\":{}}}",
                "/networks/n2", "{\"Name\":\"d1_idle\",\"Containers\":{}}"));
        ObservedState state = new Observation(http, OWNERSHIP, new EngineCalls("unix:///fake"))
                .observe(Set.of("busybox:1", "missing:1"), Set.of("wanted"), Set.of("named"));

        assertEquals(2, state.containers().size(), state.containers().toString()); // ccc was gone when inspected
        ObservedContainer web = state.containers().get(0);
        assertEquals(new ObservedContainer("aaa", "web-1", true, "web", "h1", 3, ContainerStatus.RUNNING, Health.HEALTHY,
                null, "2026-12-01T10:00:00.5Z", 2, "busybox:1", "sha256:img", false, Map.of("/data", "v1")), web);
        ObservedContainer exited = state.containers().get(1);
        assertEquals(137, exited.exitCode());
        assertTrue(exited.oomKilled());
        assertNull(exited.startedAt(), "never started");
        assertEquals(Health.NONE, exited.health());

        assertEquals(Map.of("v1", new ObservedVolume("v1", true, "web", true),
                "named", new ObservedVolume("named", false, null, false)), state.volumes());
        assertEquals(Map.of("busybox:1", "sha256:img"), state.images());
        assertEquals(Map.of("bridge", new ObservedNetwork("bridge", false, false),
                "d1_default", new ObservedNetwork("d1_default", true, true),
                "d1_idle", new ObservedNetwork("d1_idle", true, false)), state.networks());
    }

    @Test
    void anEngineThatIsNotThereIsRetried() {
        EngineException e = assertThrows(EngineException.class, () -> new Observation(EngineHttp.of(dir.resolve("none")),
                OWNERSHIP, new EngineCalls("unix:///none")).observe(Set.of(), Set.of(), Set.of()));
        assertFalse(e.terminal());
        assertTrue(e.getMessage().startsWith("list containers, volumes and images failed: cannot reach the engine at "
                + "unix:///none"), e.getMessage());
    }

    @Test
    void aRefusalSaysTheEnginesWords() throws Exception {
        EngineHttp http = fakeEngine(Map.of());
        EngineException e = assertThrows(EngineException.class,
                () -> new Observation(http, OWNERSHIP, new EngineCalls("unix:///fake")).observe(Set.of(), Set.of(), Set.of()));
        assertFalse(e.terminal(), "a 404 on a read is something replaced meanwhile");
        assertEquals("list containers, volumes and images failed: No such object: /containers/json?all=1",
                e.getMessage());
    }
}
