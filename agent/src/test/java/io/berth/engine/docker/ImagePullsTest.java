package io.berth.engine.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.engine.EngineException;
import io.berth.engine.PullProgress;
import io.berth.model.RegistryAuth;
import io.berth.model.Secret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls over the engine's {@code POST /images/create} stream, against a fake engine; {@code docker
 * login}'s credentials come from a map here, never from the machine's {@code ~/.docker}.
 */
class ImagePullsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String IMAGE = "127.0.0.1:5000/demo/busybox:1";
    private static final String PATH = "/images/create?fromImage=127.0.0.1%3A5000%2Fdemo%2Fbusybox&tag=1"
            + "&platform=linux%2Farm64";
    private static final String PULLED = """
            {"status":"Pulling from demo/busybox","id":"1"}
            {"status":"Digest: sha256:0d21"}
            {"status":"Status: Downloaded newer image for 127.0.0.1:5000/demo/busybox:1"}
            """;

    @TempDir
    Path dir;
    /** What {@code docker login} stored, by repository. */
    final Map<String, ObjectNode> logins = new HashMap<>();
    FakeEngine engine;

    @BeforeEach
    void startTheEngine() throws Exception {
        engine = FakeEngine.start(dir.resolve("e.sock"));
    }

    @AfterEach
    void stopTheEngine() throws Exception {
        engine.close();
    }

    private ImagePulls pulls(String answer) {
        if (answer != null) {
            engine.answer("POST", PATH, 200, answer);
        }
        return new ImagePulls(engine.http(), logins::get, "linux/arm64", new EngineCalls(engine.host()));
    }

    /** The credentials the pull sent, decoded as the engine decodes them (URL-safe base64). */
    private JsonNode sentCredentials() throws Exception {
        FakeEngine.Request pull = engine.only("/images/create");
        assertEquals("POST", pull.method(), "a pull is a POST");
        String header = pull.header("X-Registry-Auth");
        assertTrue(header != null, "no X-Registry-Auth among " + pull.headers().keySet());
        assertFalse(header.contains("+") || header.contains("/"), "not URL-safe base64: " + header);
        return JSON.readTree(Base64.getUrlDecoder().decode(header));
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
                """).pull(IMAGE, null, progress::add);
        assertFalse(progress.isEmpty(), "the layer's bytes were reported");
        assertTrue(progress.stream().anyMatch(p -> p.equals(new PullProgress(5, 10))), progress.toString());
        assertEquals("POST", engine.only("/images/create").method());
    }

    @Test
    void theDocumentsCredentialsGoInXRegistryAuthAsUrlSafeBase64() throws Exception {
        String password = "p?p~s3?>"; // its JSON's standard base64 has both '+' and '/'
        ObjectNode expected = JSON.createObjectNode().put("username", "berth").put("password", password)
                .put("serveraddress", "127.0.0.1:5001");
        String standard = Base64.getEncoder().encodeToString(expected.toString().getBytes(StandardCharsets.UTF_8));
        assertTrue(standard.contains("+") && standard.contains("/"), "credentials that test the alphabet: " + standard);
        logins.put("127.0.0.1:5000/demo/busybox", JSON.createObjectNode().put("username", "not-these"));

        pulls(PULLED).pull(IMAGE, new RegistryAuth("127.0.0.1:5001", "berth", new Secret(password)), p -> { });
        assertEquals(expected, sentCredentials(), "the document's, before docker login's");
    }

    @Test
    void withoutTheDocumentsCredentialsDockerLoginsAreSent() throws Exception {
        ObjectNode stored = JSON.createObjectNode().put("username", "ops").put("password", "p?p~s3?>")
                .put("serveraddress", "127.0.0.1:5000");
        logins.put("127.0.0.1:5000/demo/busybox", stored);
        pulls(PULLED).pull(IMAGE, null, p -> { });
        assertEquals(stored, sentCredentials());
    }

    @Test
    void withNoCredentialsAtAllNoneAreSent() throws Exception {
        pulls(PULLED).pull(IMAGE, null, p -> { });
        FakeEngine.Request pull = engine.only("/images/create");
        assertEquals(PATH, pull.path());
        assertNull(pull.header("X-Registry-Auth"), pull.headers().toString());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aLoginTokenLongerThanAnyBufferArrivesWhole() throws Exception {
        String token = "t".repeat(20_000); // a request head past 8 KiB (the fake engine's old buffer)
        logins.put("127.0.0.1:5000/demo/busybox", JSON.createObjectNode().put("identitytoken", token));
        pulls(PULLED).pull(IMAGE, null, p -> { });
        assertEquals(token, sentCredentials().path("identitytoken").asText());
    }

    @Test
    void anErrorInsideTheStreamIsRetried() {
        EngineException e = assertThrows(EngineException.class, () -> pulls("""
                {"status":"Pulling from demo/busybox","id":"1"}
                {"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}
                """).pull(IMAGE, null, p -> { }));
        assertFalse(e.terminal());
        assertEquals("pull 127.0.0.1:5000/demo/busybox:1 for linux/arm64 failed: Could not pull image: unexpected EOF",
                e.getMessage());
    }

    @Test
    void anErrorDetailWithoutErrorIsTheFailure() {
        EngineException e = assertThrows(EngineException.class, () -> pulls("""
                {"status":"Pulling from demo/busybox","id":"1"}
                {"errorDetail":{"message":"manifest unknown"}}
                """).pull(IMAGE, null, p -> { }));
        assertEquals("pull " + IMAGE + " for linux/arm64 failed: Could not pull image: manifest unknown",
                e.getMessage());
    }

    @Test
    void anImageTheRegistryDoesNotHaveIsTerminal() {
        EngineException e = assertThrows(EngineException.class, () -> pulls(null).pull(IMAGE, null, p -> { }));
        assertTrue(e.terminal(), e.getMessage());
        assertTrue(e.getMessage().contains("check the image name and the registry credentials"), e.getMessage());
    }

    @Test
    void theLastWordDecides() throws Exception {
        assertNull(ImagePulls.failure(JSON.readTree("{\"status\":\"Status: Image is up to date for busybox:1\"}")));
        assertEquals("Could not pull image", ImagePulls.failure(null));
        assertEquals("Could not pull image: Pulling fs layer",
                ImagePulls.failure(JSON.readTree("{\"status\":\"Pulling fs layer\",\"id\":\"abc\"}")));
        assertEquals("Could not pull image: toomanyrequests",
                ImagePulls.failure(JSON.readTree("{\"errorDetail\":{\"message\":\"toomanyrequests\"}}")));
        assertEquals("Could not pull image: denied", ImagePulls.failure(JSON.readTree(
                "{\"status\":\"Status: Downloaded newer image for b:1\",\"errorDetail\":{\"message\":\"denied\"}}")),
                "an error with a status that reads like success is still an error");
    }
}
