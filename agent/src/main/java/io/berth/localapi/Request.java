package io.berth.localapi;

import com.fasterxml.jackson.databind.JsonNode;

/** One request on the control socket: a verb and its arguments (an object, maybe empty). */
record Request(String verb, JsonNode args) {}
