package io.berth.engine.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.engine.EngineInfo;
import io.berth.engine.LocalImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's read-only answers, from dockerd 20.10's JSON on a fake engine. */
class EngineQueriesTest {
    @TempDir
    Path dir;

    @Test
    void readsImagesVersionAndDataRoot() throws Exception {
        try (FakeEngine engine = FakeEngine.serve(dir.resolve("e.sock"), Map.of(
                "/images/busybox:1/json", "{\"Id\":\"sha256:img\",\"Size\":1234,\"RepoTags\":[\"busybox:1\",\"b:2\"],"
                        + "\"Architecture\":\"amd64\"}",
                "/images/dangling/json", "{\"Id\":\"sha256:d\",\"Size\":5,\"RepoTags\":null}",
                "/containers/json?all=1", "[{\"Id\":\"a\",\"ImageID\":\"sha256:img\"},{\"Id\":\"b\",\"ImageID\":\"sha256:img\"},"
                        + "{\"Id\":\"c\",\"ImageID\":\"sha256:other\"},{\"Id\":\"d\"}]",
                "/version", "{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\",\"Arch\":\"amd64\"}",
                "/info", "{\"Architecture\":\"x86_64\",\"DockerRootDir\":\"/var/lib/docker\"}"))) {
            EngineQueries queries = new EngineQueries(engine.http(), new EngineCalls(engine.host()));
            assertEquals(new LocalImage("sha256:img", 1234, List.of("busybox:1", "b:2")), queries.image("busybox:1"));
            assertEquals(List.of(), queries.image("dangling").tags());
            assertNull(queries.image("missing:1"), "not present: null, not an error");
            assertEquals(Set.of("sha256:img", "sha256:other"), queries.imagesInUse());
            assertEquals(new EngineInfo("20.10.24", "1.41", "x86_64"), queries.info());
            assertEquals("/var/lib/docker", queries.dataRoot());
        }
    }

    @Test
    void aContainerOfTheEnginesOwnArchitectureCanRun() throws Exception {
        try (FakeEngine engine = FakeEngine.serve(dir.resolve("e.sock"), Map.of(
                "/containers/c1/json", "{\"Id\":\"c1\",\"Image\":\"sha256:img\"}",
                "/images/sha256:img/json", "{\"Id\":\"sha256:img\",\"Architecture\":\"amd64\"}",
                "/info", "{\"Architecture\":\"x86_64\"}"))) {
            assertNull(new EngineQueries(engine.http(), new EngineCalls(engine.host())).foreignImage("c1"));
        }
    }
}
