package io.berth.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.DesiredState;
import io.berth.model.RestartPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PROTOCOL.md §3: YAML is read as Compose reads it (YAML 1.2, anchors, merge keys); JSON is YAML too. */
class DocumentReaderTest {

    @Test
    void yaml12KeepsNoAndOnAsStrings() throws IOException {
        JsonNode tree = DocumentReader.readYaml("""
                restart: no
                flag: on
                yes: yes
                port: 80
                """, "test.yaml");
        assertEquals("no", tree.get("restart").textValue());
        assertEquals("on", tree.get("flag").textValue());
        assertEquals("yes", tree.get("yes").textValue());
        assertEquals(80, tree.get("port").intValue());
    }

    @Test
    void aComposeYamlDocumentParses() throws IOException {
        JsonNode tree = DocumentReader.readYaml("""
                revision: 3
                services:
                  web:
                    image: busybox
                    restart: no
                    environment:
                      DEBUG: true
                    ports:
                      - "127.0.0.1:8080:80"
                """, "compose.yaml");
        ParsedDocument parsed = DocumentParser.parse(tree);
        DesiredState state = ((ParsedDocument.Valid) parsed).state();
        assertEquals(RestartPolicy.NO, state.services().get("web").restart());
        assertEquals("true", state.services().get("web").environment().get("DEBUG"));
    }

    @Test
    void anchorsAndAliasesWork() throws IOException {
        JsonNode tree = DocumentReader.readYaml("""
                x-env: &env
                  MODE: prod
                services:
                  web:
                    environment: *env
                """, "t.yaml");
        assertEquals("prod", tree.at("/services/web/environment/MODE").textValue());
    }

    @Test
    void mergeKeysWork() throws IOException {
        JsonNode tree = DocumentReader.readYaml("""
                x-base: &base
                  image: busybox
                  restart: always
                services:
                  web:
                    <<: *base
                    restart: no
                """, "t.yaml");
        JsonNode web = tree.at("/services/web");
        assertEquals("busybox", web.path("image").textValue());
        assertEquals("no", web.path("restart").textValue(), "an explicit key wins over the merged one");
        assertEquals(List.of("image", "restart"), iterable(web.fieldNames()));
    }

    @Test
    void jsonIsYamlToo(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("d.json");
        Files.writeString(file, "{\"revision\": 2, \"services\": {\"web\": {\"image\": \"busybox\"}}}");
        JsonNode tree = DocumentReader.readFile(file);
        assertEquals(2, tree.get("revision").intValue());
    }

    @Test
    void duplicateKeysAreAnError() {
        IOException e = assertThrows(IOException.class, () -> DocumentReader.readYaml("""
                services: {}
                services: {}
                """, "dup.yaml"));
        assertTrue(e.getMessage().contains("dup.yaml"), e.getMessage());
    }

    @Test
    void invalidYamlNamesTheSource() {
        IOException e = assertThrows(IOException.class,
                () -> DocumentReader.readYaml("services: [unclosed", "broken.yaml"));
        assertTrue(e.getMessage().contains("broken.yaml"), e.getMessage());
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
