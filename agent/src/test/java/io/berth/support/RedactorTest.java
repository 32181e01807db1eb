package io.berth.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedactorTest {
    @Test
    void secretKeysEnvListsAndPrivateKeysGo() throws Exception {
        JsonNode doc = new ObjectMapper().readTree("""
                {"registries": {"r:5000": {"username": "u", "password": "hunter2"}},
                 "services": {"web": {"environment": {"DB_PASSWORD": "pw1", "API_TOKEN": "t1", "MODE": "prod",
                                                      "AWS_SECRET_ACCESS_KEY": "k1", "COUNT": 3}},
                              "job": {"environment": ["SIGNING_KEY=k2", "PLAIN=yes"]}},
                 "Config": {"Env": ["GITHUB_TOKEN=t2", "PATH=/bin"]},
                 "cert": "-----BEGIN RSA PRIVATE KEY-----\\nMIIE\\n-----END RSA PRIVATE KEY-----\\n"}
                """);
        JsonNode r = Redactor.redact(doc);
        String text = r.toString();
        for (String secret : List.of("hunter2", "pw1", "t1", "k1", "k2", "t2", "MIIE")) {
            assertFalse(text.contains(secret), secret + " in " + text);
        }
        assertEquals("u", r.at("/registries/r:5000/username").asText());
        assertEquals("prod", r.at("/services/web/environment/MODE").asText());
        assertEquals("PLAIN=yes", r.at("/services/job/environment/1").asText());
        assertEquals("SIGNING_KEY=***", r.at("/services/job/environment/0").asText());
        assertEquals("PATH=/bin", r.at("/Config/Env/1").asText());
        assertEquals(3, r.at("/services/web/environment/COUNT").asInt());
        assertEquals("hunter2", doc.at("/registries/r:5000/password").asText(), "the original is untouched");
    }

    @Test
    void scrubRemovesKnownValuesAnywhere() {
        assertEquals("login *** ok", Redactor.scrub("login hunter2 ok", List.of("hunter2", "")));
    }
}
