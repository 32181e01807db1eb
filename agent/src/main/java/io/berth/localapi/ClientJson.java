package io.berth.localapi;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;

/**
 * The CLI's JSON on the control socket, with Jackson's streaming parser and the tree nodes only:
 * a verb such as {@code berth status} then never initialises an {@code ObjectMapper}, whose
 * class set-up (its date format's calendar and locale data) was the largest part of the verb's
 * own time. Reads the same trees {@code ObjectMapper.readTree} does (ints, longs and big
 * integers by size, other numbers as doubles, the last of duplicate keys).
 */
final class ClientJson {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ClientJson() {}

    /** {@code {"verb":…,"args":…}}; {@code args} null is {@code {}}. */
    static String request(String verb, JsonNode args) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonGenerator out = FACTORY.createGenerator(text)) {
            out.writeStartObject();
            out.writeStringField("verb", verb);
            out.writeFieldName("args");
            if (args == null) {
                out.writeStartObject();
                out.writeEndObject();
            } else {
                out.writeRawValue(Protocol.JSON.writeValueAsString(args)); // verbs with arguments: as before
            }
            out.writeEndObject();
        }
        return text.toString();
    }

    /** One line of the agent's answer as a tree. */
    static JsonNode read(String line) throws IOException {
        try (JsonParser in = FACTORY.createParser(line)) {
            JsonToken first = in.nextToken();
            if (first == null) {
                throw new IOException("the agent sent an empty line");
            }
            return value(in, first);
        }
    }

    private static JsonNode value(JsonParser in, JsonToken token) throws IOException {
        switch (token) {
            case START_OBJECT -> {
                ObjectNode object = NODES.objectNode();
                while (in.nextToken() == JsonToken.FIELD_NAME) {
                    String name = in.currentName();
                    object.set(name, value(in, in.nextToken()));
                }
                return object;
            }
            case START_ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                for (JsonToken t = in.nextToken(); t != JsonToken.END_ARRAY; t = in.nextToken()) {
                    array.add(value(in, t));
                }
                return array;
            }
            case VALUE_STRING -> {
                return NODES.textNode(in.getText());
            }
            case VALUE_NUMBER_INT -> {
                return switch (in.getNumberType()) {
                    case INT -> NODES.numberNode(in.getIntValue());
                    case LONG -> NODES.numberNode(in.getLongValue());
                    default -> NODES.numberNode(in.getBigIntegerValue());
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return NODES.numberNode(in.getDoubleValue());
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return NODES.booleanNode(token == JsonToken.VALUE_TRUE);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            default -> throw new IOException("unexpected JSON from the agent: " + token);
        }
    }
}
