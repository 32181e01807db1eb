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

    /** Issue 15: what support bundles used to let through. */
    @Test
    void everyDocumentEnvValueUrlUserinfoAuthorizationAndPasswordArgumentsGo() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode doc = json.readTree("""
                {"services": {"web": {"environment": {"DATABASE_URL": "postgres://app:dbpass99@db/app",
                  "MODE": "prod-mode"}, "command": ["server", "--password", "cmdpass1", "--api-key=apikey77"]},
                  "job": {"environment": ["UPSTREAM=https://bob:urlpass3@example.com/x"]}},
                 "secrets": {"tls": {"content": "secretcontent"}}}""");
        String redacted = Redactor.redactDocument(doc).toString();
        for (String secret : List.of("dbpass99", "prod-mode", "cmdpass1", "apikey77", "urlpass3", "secretcontent")) {
            assertFalse(redacted.contains(secret), secret + " in " + redacted);
        }
        JsonNode inspect = json.readTree("""
                {"Config": {"Env": ["MODE=prod-mode", "PATH=/bin"], "Cmd": ["run", "--db-password=inspass5"]},
                 "Args": ["-c", "curl -H 'Authorization: Bearer tok123456' https://u:p4ssw0rd@h/"],
                 "HostConfig": {"Binds": ["/srv:/srv"]}}""");
        String inspected = Redactor.redactInspect(inspect).toString();
        for (String secret : List.of("prod-mode", "/bin", "inspass5", "tok123456", "p4ssw0rd")) {
            assertFalse(inspected.contains(secret), secret + " in " + inspected);
        }
        assertEquals("/srv:/srv", Redactor.redactInspect(inspect).at("/HostConfig/Binds/0").asText());
        assertEquals("Authorization: ***", Redactor.redactText("Authorization: Basic dXNlcjpwYXNz"));
        assertEquals(List.of("dbpass99", "postgres://app:dbpass99@db/app", "prod-mode", "secretcontent"),
                Redactor.documentSecrets(json.readTree("""
                        {"registries": {"r": {"password": "dbpass99"}}, "secrets": {"s": {"content": "secretcontent"}},
                         "services": {"web": {"environment": {"URL": "postgres://app:dbpass99@db/app",
                          "MODE": "prod-mode", "N": "12345678", "ON": "true"}}}}""")).stream().sorted().toList());
    }

    @Test
    void publicKeysAreNoSecrets() throws Exception {
        JsonNode env = new ObjectMapper().readTree("""
                {"BERTH_TRUSTED_KEYS": "ops=MCowBQYDK2VwAyEA", "publicKey": "MCow", "BERTH_MQTT_PASSWORD": "pw"}""");
        JsonNode r = Redactor.redact(env);
        assertEquals("ops=MCowBQYDK2VwAyEA", r.path("BERTH_TRUSTED_KEYS").asText());
        assertEquals("MCow", r.path("publicKey").asText());
        assertEquals(Redactor.MASK, r.path("BERTH_MQTT_PASSWORD").asText());
    }
}
