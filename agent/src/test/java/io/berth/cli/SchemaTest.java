package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.spec.DocumentParser;
import io.berth.spec.ParsedDocument;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The JSON Schema in the jar (io/berth/spec/desired-state.schema.json) and the parser agree on
 * the corpus: every document the parser accepts, the schema accepts; every bad golden document
 * is refused by the schema too, except those whose only faults are beyond a schema's reach
 * (references between services, port clashes, cycles…), listed here by name.
 */
class SchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Bad documents whose errors are all semantic: a structural schema cannot see them. */
    private static final Set<String> SEMANTIC = Set.of("dependency-cycle", "port-clash", "duplicate-container-names", "undeclared-volume", "relative-bind", "too-deep", "garbage", "malformed", "duplicate-key", "service-without-image", "build");

    private static JsonNode schema() throws Exception {
        try (InputStream in = SchemaTest.class.getResourceAsStream("/io/berth/spec/desired-state.schema.json")) {
            return JSON.readTree(in);
        }
    }

    @Test
    void everyGoodDocumentOfTheCorpusMatchesTheSchema() throws Exception {
        JsonNode schema = schema();
        int checked = 0;
        try (Stream<Path> files = Files.list(ComposeCorpusTest.corpus())) {
            for (Path file : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                ObjectNode doc = (ObjectNode) ComposeFile.load(file, Map.of()).document();
                doc.put("revision", 1);
                assertTrue(DocumentParser.parse(doc) instanceof ParsedDocument.Valid, file.toString());
                assertEquals(List.of(), Validator.validate(schema, doc), file.toString());
                checked++;
            }
        }
        assertEquals(List.of(), Validator.validate(schema, JSON.readTree("{\"revision\": 1, \"services\": {}}")));
        assertTrue(checked >= 4);
    }

    @Test
    void badGoldenDocumentsAreRefusedByTheSchemaUnlessTheirFaultIsSemantic() throws Exception {
        JsonNode schema = schema();
        Path bad = Path.of(SchemaTest.class.getResource("/spec/bad/empty.json").toURI()).getParent();
        List<String> drift = new ArrayList<>();
        try (Stream<Path> files = Files.list(bad)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                String name = file.getFileName().toString().replace(".json", "");
                JsonNode doc;
                try {
                    doc = JSON.readTree(Files.readAllBytes(file));
                } catch (Exception notJson) {
                    continue; // the parser's own business: not JSON at all
                }
                boolean schemaRefuses = doc == null || !Validator.validate(schema, doc).isEmpty();
                if (!schemaRefuses && !SEMANTIC.contains(name)) {
                    drift.add(name + ": the parser rejects it, the schema accepts it");
                }
                if (schemaRefuses && SEMANTIC.contains(name)) {
                    drift.add(name + ": listed as beyond the schema, but the schema refuses it: unlist it");
                }
            }
        }
        assertEquals(List.of(), drift);
    }

    @Test
    void whateverTheParserAcceptsTheSchemaAcceptsUnderMutation() throws Exception {
        // the fuzz test's mutations: wherever the parser still says valid, the schema must agree
        JsonNode schema = schema();
        java.util.Random random = new java.util.Random(23);
        List<JsonNode> seeds = new ArrayList<>();
        try (Stream<Path> files = Files.list(ComposeCorpusTest.corpus())) {
            for (Path file : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                ObjectNode doc = (ObjectNode) ComposeFile.load(file, Map.of()).document();
                doc.put("revision", 1);
                seeds.add(doc);
            }
        }
        int valid = 0;
        for (int i = 0; i < 1500; i++) {
            JsonNode doc = seeds.get(random.nextInt(seeds.size())).deepCopy();
            doc = Mutations.mutate(doc, random, 0);
            if (DocumentParser.parse(doc) instanceof ParsedDocument.Valid) {
                valid++;
                List<String> errors = Validator.validate(schema, doc);
                assertEquals(List.of(), errors, doc::toString);
            }
        }
        assertTrue(valid > 100, "enough mutated documents stay valid: " + valid);
    }

    /** Random small changes, as in DocumentFuzzTest. */
    static final class Mutations {
        private static final String[] STRINGS = {"", "x", "0", "1g", "no", "true", "/abs", "./rel", "8080:80",
            "SIGINT", "1m30s", "web", "host", "none", "always"};

        static JsonNode mutate(JsonNode node, java.util.Random random, int depth) {
            var nodes = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
            if ((node.isObject() || node.isArray()) && node.size() > 0 && random.nextInt(4) > 0 && depth < 8) {
                if (node instanceof ObjectNode object) {
                    List<String> keys = new ArrayList<>();
                    object.fieldNames().forEachRemaining(keys::add);
                    String key = keys.get(random.nextInt(keys.size()));
                    if (random.nextInt(5) == 0) {
                        object.remove(key);
                    } else {
                        object.set(key, mutate(object.get(key), random, depth + 1));
                    }
                } else {
                    var array = (com.fasterxml.jackson.databind.node.ArrayNode) node;
                    int at = random.nextInt(array.size());
                    array.set(at, mutate(array.get(at), random, depth + 1));
                }
                return node;
            }
            return switch (random.nextInt(6)) {
                case 0 -> nodes.nullNode();
                case 1 -> nodes.booleanNode(random.nextBoolean());
                case 2 -> nodes.numberNode(random.nextInt(70000));
                case 3 -> nodes.arrayNode().add(STRINGS[random.nextInt(STRINGS.length)]);
                default -> nodes.textNode(STRINGS[random.nextInt(STRINGS.length)]);
            };
        }
    }

    /** The subset of JSON Schema 2020-12 the schema uses; errors with JSON paths. */
    static final class Validator {
        static List<String> validate(JsonNode schema, JsonNode value) {
            List<String> errors = new ArrayList<>();
            check(schema, value, "", errors);
            return errors;
        }

        private static void check(JsonNode s, JsonNode v, String path, List<String> errors) {
            if (s == null || s.isEmpty()) {
                return;
            }
            if (s.has("type") && !typeMatches(s.get("type"), v)) {
                errors.add(path + ": not of type " + s.get("type"));
                return;
            }
            if (s.has("const") && !s.get("const").equals(v)) {
                errors.add(path + ": not " + s.get("const"));
            }
            if (s.has("enum")) {
                boolean found = false;
                for (JsonNode e : s.get("enum")) {
                    found |= e.equals(v);
                }
                if (!found) {
                    errors.add(path + ": not one of " + s.get("enum"));
                }
            }
            if (s.has("anyOf")) {
                boolean any = false;
                for (JsonNode option : s.get("anyOf")) {
                    any |= validate(option, v).isEmpty();
                }
                if (!any) {
                    errors.add(path + ": matches none of anyOf");
                }
            }
            if (v.isTextual()) {
                if (s.has("pattern") && !Pattern.compile(s.get("pattern").asText()).matcher(v.asText()).find()) {
                    errors.add(path + ": does not match " + s.get("pattern"));
                }
                if (s.has("minLength") && v.asText().length() < s.get("minLength").asInt()) {
                    errors.add(path + ": too short");
                }
            }
            if (v.isNumber()) {
                if (s.has("minimum") && v.decimalValue().compareTo(s.get("minimum").decimalValue()) < 0) {
                    errors.add(path + ": below " + s.get("minimum"));
                }
                if (s.has("maximum") && v.decimalValue().compareTo(s.get("maximum").decimalValue()) > 0) {
                    errors.add(path + ": above " + s.get("maximum"));
                }
                if (s.has("exclusiveMinimum") && v.decimalValue().compareTo(s.get("exclusiveMinimum").decimalValue()) <= 0) {
                    errors.add(path + ": not above " + s.get("exclusiveMinimum"));
                }
            }
            if (v.isArray() && s.has("items")) {
                for (int i = 0; i < v.size(); i++) {
                    check(s.get("items"), v.get(i), path + "[" + i + "]", errors);
                }
            }
            if (v.isObject()) {
                if (s.has("required")) {
                    for (JsonNode r : s.get("required")) {
                        if (!v.has(r.asText())) {
                            errors.add(path + ": missing " + r.asText());
                        }
                    }
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> f = it.next();
                    String p = path.isEmpty() ? f.getKey() : path + "." + f.getKey();
                    boolean matched = false;
                    if (s.has("properties") && s.get("properties").has(f.getKey())) {
                        matched = true;
                        check(s.get("properties").get(f.getKey()), f.getValue(), p, errors);
                    }
                    if (s.has("patternProperties")) {
                        for (Iterator<Map.Entry<String, JsonNode>> pp = s.get("patternProperties").fields(); pp.hasNext(); ) {
                            Map.Entry<String, JsonNode> pattern = pp.next();
                            if (Pattern.compile(pattern.getKey()).matcher(f.getKey()).find()) {
                                matched = true;
                                check(pattern.getValue(), f.getValue(), p, errors);
                            }
                        }
                    }
                    if (!matched && s.has("additionalProperties")) {
                        JsonNode additional = s.get("additionalProperties");
                        if (additional.isBoolean() && !additional.asBoolean()) {
                            errors.add(p + ": not allowed");
                        } else if (additional.isObject()) {
                            check(additional, f.getValue(), p, errors);
                        }
                    }
                }
            }
        }

        private static boolean typeMatches(JsonNode type, JsonNode v) {
            if (type.isArray()) {
                for (JsonNode t : type) {
                    if (typeMatches(t, v)) {
                        return true;
                    }
                }
                return false;
            }
            return switch (type.asText()) {
                case "object" -> v.isObject();
                case "array" -> v.isArray();
                case "string" -> v.isTextual();
                case "integer" -> v.isIntegralNumber();
                case "number" -> v.isNumber();
                case "boolean" -> v.isBoolean();
                case "null" -> v.isNull();
                default -> false;
            };
        }
    }
}
