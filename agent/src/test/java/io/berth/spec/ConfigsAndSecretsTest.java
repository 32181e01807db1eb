package io.berth.spec;

import static io.berth.spec.SpecFixtures.desired;
import static io.berth.spec.SpecFixtures.errors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.model.FileMount;
import io.berth.model.ServiceSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md §3: configs and secrets arrive inline and are mounted where Compose mounts them. */
class ConfigsAndSecretsTest {
    private static final String DOC = """
            {"revision": 1, "services": {"web": {"image": "busybox",
               "secrets": ["token", {"source": "token", "target": "api-key"}],
               "configs": ["app", {"source": "app", "target": "/etc/app.conf"}]}},
             "secrets": {"token": {"content": "%s"}}, "configs": {"app": {"content": "port=80"}}}""";

    @Test
    void theyAreMountedAtComposesTargets() {
        ServiceSpec web = desired(DOC.formatted("s3cret")).services().get("web");
        assertEquals(List.of("/run/secrets/token", "/run/secrets/api-key", "/app", "/etc/app.conf"),
                web.options().files().stream().map(FileMount::target).toList());
        assertTrue(web.options().files().get(0).secret());
        assertEquals("s3cret", web.options().files().get(0).content().reveal());
    }

    @Test
    void theSecretNeverPrintsNorEntersTheHashButAChangeRecreates() throws Exception {
        ServiceSpec a = desired(DOC.formatted("s3cret")).services().get("web");
        ServiceSpec b = desired(DOC.formatted("other")).services().get("web");
        assertFalse(a.toString().contains("s3cret"), a.toString());
        assertFalse(new ObjectMapper().writeValueAsString(a.options()).contains("s3cret"));
        assertNotEquals(a.hash(), b.hash(), "a changed content changes the hash (by its sha256)");
    }

    @Test
    void whatOnlyTheClientResolvesIsRefusedHereWithTheWayOut() {
        List<SpecError> errors = errors("""
                {"revision": 1, "services": {"web": {"image": "busybox", "secrets": ["missing"]}},
                 "secrets": {"a": {"file": "./a.txt"}, "b": {"external": true}, "c": {"content": 5}}}""");
        assertEquals(List.of("secrets.a.file", "secrets.b.external", "secrets.c.content", "services.web.secrets[0]"),
                errors.stream().map(SpecError::path).toList());
        assertFalse(errors.toString().contains("5"), "a secret's value is never quoted");
    }
}
