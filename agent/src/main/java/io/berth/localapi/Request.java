package io.berth.localapi;

import com.fasterxml.jackson.databind.JsonNode;

/** One request on the control socket: a verb and its arguments (an object, maybe empty). */
public record Request(String verb, JsonNode args) {}
