package io.berth.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.actions.ActionException;
import io.berth.actions.Actions;
import io.berth.actions.ApplyResult;
import io.berth.model.RunState;
import io.berth.spec.SpecError;

/** Maps control-socket verbs to {@link Actions}: the agent's side of the {@code berth} CLI. */
public final class ControlHandler implements Handler {
    private final Actions actions;
    private final StreamingVerbs streaming;

    public ControlHandler(Actions actions) {
        this.actions = actions;
        this.streaming = new StreamingVerbs(actions);
    }

    @Override
    public void handle(Request request, Reply reply) throws Exception {
        JsonNode args = request.args();
        try {
            switch (request.verb()) {
                case "status" -> reply.ok(actions.status());
                case "pause" -> {
                    actions.pause();
                    reply.ok(Protocol.JSON.createObjectNode().put("paused", true));
                }
                case "resume" -> {
                    actions.resume();
                    reply.ok(Protocol.JSON.createObjectNode().put("paused", false));
                }
                case "restart" -> reply.ok(Protocol.JSON.getNodeFactory().textNode(
                        actions.restart(required(args, "service"))));
                case "apply" -> apply(args, reply);
                case "logs" -> streaming.logs(args, reply);
                case "events" -> streaming.events(args, reply);
                case "stop" -> reply.ok(text("message", actions.serviceStates().set(services(args), RunState.STOPPED)));
                case "start" -> reply.ok(text("message", actions.serviceStates().set(services(args), RunState.RUNNING)));
                case "volumes" -> reply.ok(actions.volumes().list());
                case "volume-rm" -> reply.ok(text("removed", actions.volumes().remove(required(args, "name"))));
                case "volume-prune" -> reply.ok(actions.volumes().prune());
                case "plan" -> {
                    JsonNode document = args.get("document");
                    if (document == null || !document.isObject()) {
                        reply.error("the request needs 'document', a desired-state document");
                    } else {
                        reply.ok(actions.documents().dryRun(document));
                    }
                }
                case "config" -> reply.ok(actions.documents().config());
                case "load" -> {
                    long size = args.path("size").asLong(-1);
                    if (!args.path("size").canConvertToLong() || size <= 0) {
                        throw new ActionException("the request needs 'size' and the archive's bytes after it: this "
                                + "agent takes archives over its socket, not paths (berth load FILE sends them)");
                    }
                    io.berth.sideload.ImageArchive.Contents contents;
                    try (io.berth.sideload.Spool spool = actions.receive(request.body(), size)) {
                        contents = actions.load(spool);
                    }
                    ObjectNode result = Protocol.JSON.createObjectNode();
                    result.set("images", Protocol.JSON.valueToTree(contents.images()));
                    result.put("layers", contents.layers());
                    result.set("document", contents.document());
                    reply.ok(result);
                }
                case "diagnose" -> reply.ok(actions.diagnose());
                case "support" -> reply.ok(actions.support(request.root()));
                case "ping" -> reply.ok(null);
                default -> reply.error("unknown verb '" + request.verb() + "'; this agent knows: status, pause, "
                        + "resume, restart, start, stop, apply, plan, config, logs, events, volumes, volume-rm, "
                        + "volume-prune, load, diagnose, support");
            }
        } catch (ActionException e) {
            // the one mapping of an action's error to the socket's answer (and so to the CLI's exit code)
            reply.refuse(e.getMessage(), Protocol.JSON.createObjectNode().put("retryable", e.retryable()));
        }
    }

    private static String required(JsonNode args, String key) throws ActionException {
        JsonNode value = args.get(key);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new ActionException("the request needs '" + key + "'");
        }
        return value.asText();
    }

    private void apply(JsonNode args, Reply reply) throws Exception {
        JsonNode document = args.get("document");
        if (document == null || !document.isObject()) {
            reply.error("the request needs 'document', a desired-state document");
            return;
        }
        String source = args.path("source").asText("cli");
        ApplyResult result = actions.apply(document, source.isBlank() ? "cli" : source,
                args.path("fillRevision").asBoolean(false));
        ObjectNode node = Protocol.JSON.createObjectNode();
        node.put("outcome", result.outcome());
        if (result.revision() == null) {
            node.putNull("revision");
        } else {
            node.put("revision", result.revision());
        }
        node.put("reason", result.reason());
        var errors = node.putArray("errors");
        for (SpecError e : result.errors()) {
            errors.addObject().put("path", e.path()).put("message", e.message());
        }
        if (result.ok()) {
            reply.ok(node);
        } else {
            reply.refuse(result.reason(), node);
        }
    }

    /** The service names of a request: {@code services} (a list) or {@code service}. */
    private static java.util.List<String> services(JsonNode args) throws ActionException {
        java.util.List<String> names = new java.util.ArrayList<>();
        if (args.path("service").isTextual()) {
            names.add(args.get("service").asText());
        }
        args.path("services").forEach(s -> names.add(s.asText()));
        if (names.isEmpty() || names.stream().anyMatch(String::isBlank)) {
            throw new ActionException("the request needs 'services', a list of service names");
        }
        return names;
    }

    private static ObjectNode text(String key, String value) {
        return Protocol.JSON.createObjectNode().put(key, value);
    }
}
