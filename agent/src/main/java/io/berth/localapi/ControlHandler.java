package io.berth.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.actions.ActionException;
import io.berth.actions.Actions;
import io.berth.actions.ApplyResult;
import io.berth.engine.LogQuery;
import io.berth.spec.SpecError;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** Maps control-socket verbs to {@link Actions}: the agent's side of the {@code berth} CLI. */
public final class ControlHandler implements Handler {
    private static final long LOG_READ_TIMEOUT_S = 60;

    private final Actions actions;

    public ControlHandler(Actions actions) {
        this.actions = actions;
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
                case "logs" -> logs(args, reply);
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
                        + "resume, restart, apply, logs, load, diagnose, support");
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

    private void logs(JsonNode args, Reply reply) throws Exception {
        String service = required(args, "service");
        boolean follow = args.path("follow").asBoolean(false);
        LogQuery query = new LogQuery(args.path("tail").asInt(-1), args.path("since").asLong(0), follow);
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean clientGone = new AtomicBoolean();
        AutoCloseable stream = actions.logs(service, query, line -> {
            if (clientGone.get()) {
                return;
            }
            ObjectNode frame = Protocol.JSON.createObjectNode();
            frame.put("t", line.time()).put("stream", line.stream()).put("line", line.line());
            try {
                reply.frame(frame);
            } catch (IOException e) {
                clientGone.set(true);
                done.countDown();
                reply.close();
            }
        }, error -> {
            failure.set(error);
            done.countDown();
            if (follow && !clientGone.get()) {
                // the log ended (the container stopped or went): answer, and wake awaitClientGone below
                try {
                    if (error == null) {
                        reply.ok(null);
                    } else {
                        reply.error("reading the log of " + service + " failed: " + error.getMessage());
                    }
                } catch (IOException gone) {
                    // nothing to tell
                }
                reply.close();
            }
        });
        try {
            if (follow) {
                reply.awaitClientGone();
            } else if (!done.await(LOG_READ_TIMEOUT_S, TimeUnit.SECONDS)) {
                reply.error("the engine did not finish sending the log within " + LOG_READ_TIMEOUT_S + " s");
                return;
            }
        } finally {
            stream.close();
        }
        Throwable error = failure.get();
        if (clientGone.get() || follow) {
            return; // answered by the end callback, or nobody is listening
        }
        if (error != null) {
            reply.error("reading the log of " + service + " failed: " + error.getMessage());
        } else {
            reply.ok(null);
        }
    }
}
