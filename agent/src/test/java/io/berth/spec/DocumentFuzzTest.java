package io.berth.spec;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Random mutations of good documents: the parser never throws, and answers either valid or
 * with errors that each have a path and a message. Fixed seeds, a few thousand documents, well
 * under a few seconds.
 */
class DocumentFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String[] STRINGS = {"", "x", "-1", "0", "65536", "1g", "1.5", "no", "true", "${X}", "$$",
        "service:web", "container:x", "/abs", "./rel", "../up", "a:b:c:d", "127.0.0.1:80:80/udp", "\u0000", "é",
        "SIGKILL", "on-failure:3", "1m30s", "[::1]:53:53", "web", "data", "host", "CMD", "NONE", "x".repeat(300)};

    private static List<JsonNode> seeds() throws Exception {
        List<JsonNode> seeds = new ArrayList<>();
        Path corpus = Path.of(DocumentFuzzTest.class.getResource("/spec/compose-corpus/SOURCES.md").toURI()).getParent();
        try (Stream<Path> files = Files.list(corpus)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                ObjectNode doc = (ObjectNode) DocumentReader.readFile(file);
                doc.put("revision", 1);
                seeds.add(doc);
            }
        }
        seeds.add(JSON.readTree("""
                {"revision": 1, "services": {"web": {"image": "busybox", "ports": [{"target": 80, "published": 8080}],
                  "volumes": ["data:/data", "./c:/c", "/anon"], "networks": {"back": {"aliases": ["w"]}},
                  "depends_on": {"db": {"condition": "service_healthy"}}, "healthcheck": {"test": "true"},
                  "deploy": {"resources": {"limits": {"memory": "1g"}}}},
                  "db": {"image": "busybox", "volumes_from": ["web"], "links": ["web:w"]}},
                 "volumes": {"data": {"name": "d1"}}, "networks": {"back": {"internal": true}},
                 "registries": {"r.example:5000": {"username": "u", "password": "p"}}}"""));
        return seeds;
    }

    @Test
    void mutatedDocumentsNeverCrashTheParser() throws Exception {
        List<JsonNode> seeds = seeds();
        Random random = new Random(8);
        int invalid = 0;
        for (int i = 0; i < 2000; i++) {
            JsonNode doc = seeds.get(random.nextInt(seeds.size())).deepCopy();
            int mutations = 1 + random.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                doc = mutate(doc, random, 0);
            }
            ParsedDocument parsed = parse(doc, i);
            if (parsed instanceof ParsedDocument.Invalid bad) {
                invalid++;
                assertFalse(bad.errors().isEmpty(), "an invalid document without errors: " + doc);
                for (SpecError e : bad.errors()) {
                    assertNotNull(e.path(), doc::toString);
                    assertFalse(e.message().isBlank(), doc::toString);
                }
            }
        }
        assertFalse(invalid == 0, "the mutations should break some documents");
    }

    @Test
    void mutatedBytesNeverCrashTheParser() throws Exception {
        Random random = new Random(9);
        List<byte[]> seeds = new ArrayList<>();
        for (JsonNode seed : seeds()) {
            seeds.add(JSON.writeValueAsBytes(seed));
        }
        for (int i = 0; i < 800; i++) {
            byte[] bytes = seeds.get(random.nextInt(seeds.size())).clone();
            for (int m = 0; m < 1 + random.nextInt(5); m++) {
                String noise = "{}[]\",:0a\\ \u0000";
                bytes[random.nextInt(bytes.length)] = (byte) noise.charAt(random.nextInt(noise.length()));
            }
            DocumentParser.parseJson(bytes);
            try {
                DocumentReader.readYaml(new String(bytes, StandardCharsets.UTF_8), "fuzz");
            } catch (java.io.IOException expected) {
                // not YAML: a message, which is the point
            }
        }
    }

    private static ParsedDocument parse(JsonNode doc, int i) {
        try {
            return DocumentParser.parse(doc);
        } catch (RuntimeException e) {
            throw new AssertionError("document " + i + " crashed the parser: " + doc, e);
        }
    }

    private static JsonNode mutate(JsonNode node, Random random, int depth) {
        if ((node.isObject() || node.isArray()) && node.size() > 0 && random.nextInt(3) > 0 && depth < 8) {
            if (node instanceof ObjectNode object) {
                List<String> keys = new ArrayList<>();
                for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
                    keys.add(it.next());
                }
                String key = keys.get(random.nextInt(keys.size()));
                switch (random.nextInt(6)) {
                    case 0 -> object.remove(key);
                    case 1 -> object.set(key + (random.nextBoolean() ? "_" : ""), object.get(key));
                    default -> object.set(key, mutate(object.get(key), random, depth + 1));
                }
            } else {
                ArrayNode array = (ArrayNode) node;
                int at = random.nextInt(array.size());
                switch (random.nextInt(5)) {
                    case 0 -> array.remove(at);
                    case 1 -> array.add(array.get(at).deepCopy());
                    default -> array.set(at, mutate(array.get(at), random, depth + 1));
                }
            }
            return node;
        }
        return switch (random.nextInt(9)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(random.nextInt(200000) - 1000);
            case 3 -> NODES.numberNode(random.nextDouble() * 10);
            case 4 -> NODES.arrayNode().add(STRINGS[random.nextInt(STRINGS.length)]);
            case 5 -> NODES.objectNode().put(STRINGS[random.nextInt(STRINGS.length)], STRINGS[random.nextInt(STRINGS.length)]);
            case 6 -> NODES.numberNode(Long.MAX_VALUE);
            default -> NODES.textNode(STRINGS[random.nextInt(STRINGS.length)]);
        };
    }
}
