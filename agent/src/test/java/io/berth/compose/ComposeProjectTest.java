package io.berth.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PROTOCOL.md §3: the Compose project as the berth client resolves it, as docker compose does. */
class ComposeProjectTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    private JsonNode load(List<Path> files, List<String> profiles, Map<String, String> env) throws IOException {
        ComposeProject p = ComposeProject.load(files, profiles, env);
        assertEquals(List.of(), p.errors());
        return p.document();
    }

    @Test
    void severalFilesMergeByComposesRules() throws IOException {
        Path a = write("a.yml", """
                services:
                  web:
                    image: busybox:1
                    command: ["httpd", "-f"]
                    environment: [A=1, B=2]
                    labels: {tier: front}
                    ports: ["127.0.0.1:8080:80", "9000"]
                    volumes: ["data:/data", "/anon"]
                    dns: [1.1.1.1]
                    healthcheck: {test: ["CMD", "true"], interval: 5s}
                volumes: {data: {}}
                """);
        Path b = write("b.yml", """
                services:
                  web:
                    image: busybox:2
                    command: ["sleep", "1"]
                    environment: {B: "3", C: "4"}
                    ports: ["127.0.0.1:8080:80", "9001"]
                    volumes: ["other:/data"]
                    dns: [1.1.1.1, 8.8.8.8]
                    healthcheck: {test: ["CMD", "false"]}
                  db: {image: busybox}
                volumes: {other: {}}
                """);
        JsonNode web = load(List.of(a, b), List.of(), Map.of()).get("services").get("web");
        assertEquals("busybox:2", web.get("image").asText());
        assertEquals("[\"sleep\",\"1\"]", web.get("command").toString(), "command replaced whole");
        assertEquals("{\"A\":\"1\",\"B\":\"3\",\"C\":\"4\"}", web.get("environment").toString());
        assertEquals("{\"tier\":\"front\"}", web.get("labels").toString());
        assertEquals("[\"127.0.0.1:8080:80\",\"9000\",\"9001\"]", web.get("ports").toString(), "ports by target");
        assertEquals("[\"other:/data\",\"/anon\"]", web.get("volumes").toString(), "volumes by container path");
        assertEquals("[\"1.1.1.1\",\"8.8.8.8\"]", web.get("dns").toString(), "a union");
        assertEquals("{\"test\":[\"CMD\",\"false\"],\"interval\":\"5s\"}", web.get("healthcheck").toString());
    }

    @Test
    void aSingleFileBringsItsOverrideBesideIt() throws IOException {
        Path compose = write("compose.yaml", "services: {web: {image: busybox, environment: {MODE: prod}}}\n");
        write("compose.override.yaml", "services: {web: {environment: {MODE: dev}}}\n");
        ComposeProject p = ComposeProject.load(List.of(compose), List.of(), Map.of());
        assertEquals("dev", p.document().at("/services/web/environment/MODE").asText());
        assertEquals(2, p.files().size());
    }

    @Test
    void extendsInTheSameFileAndAnother() throws IOException {
        write("common.yml", """
                services:
                  base: {image: busybox, environment: {FROM: common, LEVEL: "1"}, restart: always}
                """);
        Path compose = write("compose.yaml", """
                services:
                  mid: {extends: {file: common.yml, service: base}, environment: {LEVEL: "2"}}
                  web: {extends: mid, command: [sh]}
                """);
        JsonNode web = load(List.of(compose), List.of(), Map.of()).get("services").get("web");
        assertEquals("busybox", web.get("image").asText());
        assertEquals("always", web.get("restart").asText());
        assertEquals("{\"FROM\":\"common\",\"LEVEL\":\"2\"}", web.get("environment").toString());
        assertFalse(web.has("extends"));
    }

    @Test
    void anExtendsCircleIsAnErrorNotAHang() throws IOException {
        Path compose = write("compose.yaml", "services: {a: {extends: b, image: x}, b: {extends: a, image: y}}\n");
        assertFalse(ComposeProject.load(List.of(compose), List.of(), Map.of()).errors().isEmpty());
    }

    @Test
    void includeBringsInAnotherFilesServicesAndVolumes() throws IOException {
        write("db/compose.yaml", "services: {db: {image: busybox, volumes: [\"dbdata:/d\"]}}\nvolumes: {dbdata: {}}\n");
        Path compose = write("compose.yaml", "include: [db/compose.yaml]\nservices: {web: {image: busybox}}\n");
        JsonNode doc = load(List.of(compose), List.of(), Map.of());
        assertTrue(doc.at("/services/db").isObject());
        assertTrue(doc.at("/services/web").isObject());
        assertTrue(doc.at("/volumes/dbdata").isObject());
        assertFalse(doc.has("include"));
        Path clash = write("clash.yaml", "include: [db/compose.yaml]\nservices: {db: {image: other}}\n");
        assertEquals("services.db", ComposeProject.load(List.of(clash), List.of(), Map.of()).errors().get(0).path());
    }

    @Test
    void profilesFromTheFlagOrComposeProfiles() throws IOException {
        Path compose = write("compose.yaml", """
                services:
                  web: {image: busybox}
                  debug: {image: busybox, profiles: [debug]}
                  tools: {image: busybox, profiles: [tools, debug]}
                """);
        JsonNode none = load(List.of(compose), List.of(), Map.of()).get("services");
        assertEquals(List.of("web"), names(none));
        JsonNode debug = load(List.of(compose), List.of("debug"), Map.of()).get("services");
        assertEquals(List.of("web", "debug", "tools"), names(debug));
        assertFalse(debug.get("debug").has("profiles"), "the agent never sees profiles");
        JsonNode fromEnv = load(List.of(compose), List.of(), Map.of("COMPOSE_PROFILES", "tools")).get("services");
        assertEquals(List.of("web", "tools"), names(fromEnv));
    }

    @Test
    void aServiceNeedingOneLeftOutByProfilesIsAnError() throws IOException {
        Path compose = write("compose.yaml", """
                services:
                  web: {image: busybox, depends_on: [db]}
                  db: {image: busybox, profiles: [db]}
                """);
        assertEquals("services.web.depends_on",
                ComposeProject.load(List.of(compose), List.of(), Map.of()).errors().get(0).path());
    }

    @Test
    void dotEnvIsReadAsComposeReadsIt() throws IOException {
        write(".env", """
                # comment
                export HOST=db
                URL=postgres://${HOST}:5432 # trailing comment
                CERT="line one
                line two"
                LITERAL='${HOST} stays'
                ESCAPED="tab\\there"
                FROM_ENV
                """);
        Path compose = write("compose.yaml", """
                services:
                  web:
                    image: busybox
                    environment: {URL: "${URL}", CERT: "${CERT}", LITERAL: "${LITERAL}", ESCAPED: "${ESCAPED}",
                                  FROM_ENV: "${FROM_ENV}"}
                """);
        JsonNode env = load(List.of(compose), List.of(), Map.of("FROM_ENV", "shell")).at("/services/web/environment");
        assertEquals("postgres://db:5432", env.get("URL").asText());
        assertEquals("line one\nline two", env.get("CERT").asText());
        assertEquals("${HOST} stays", env.get("LITERAL").asText());
        assertEquals("tab\there", env.get("ESCAPED").asText());
        assertEquals("shell", env.get("FROM_ENV").asText());
    }

    @Test
    void configsAndSecretsAreCarriedInline() throws IOException {
        write("app.conf", "port=80\n");
        Path compose = write("compose.yaml", """
                services: {web: {image: busybox, configs: [app], secrets: [token]}}
                configs: {app: {file: ./app.conf}}
                secrets: {token: {environment: TOKEN}}
                """);
        JsonNode doc = load(List.of(compose), List.of(), Map.of("TOKEN", "s3cret"));
        assertEquals("port=80\n", doc.at("/configs/app/content").asText());
        assertEquals("s3cret", doc.at("/secrets/token/content").asText());
        assertFalse(doc.at("/configs/app").has("file"));
    }

    @Test
    void inlineContentCountsAgainstTheDocumentLimit() throws IOException {
        write("big.bin", "x".repeat(600_000));
        write("big2.bin", "y".repeat(600_000));
        Path compose = write("compose.yaml", """
                services: {web: {image: busybox, configs: [a, b]}}
                configs: {a: {file: ./big.bin}, b: {file: ./big2.bin}}
                """);
        List<io.berth.spec.SpecError> errors = ComposeProject.load(List.of(compose), List.of(), Map.of()).errors();
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).message().contains("put large files in a volume"), errors.toString());
    }

    @Test
    void noFileIsAnError() {
        assertThrows(IOException.class, () -> ComposeProject.load(List.of(), List.of(), Map.of()));
    }

    private static List<String> names(JsonNode services) {
        List<String> out = new java.util.ArrayList<>();
        services.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
