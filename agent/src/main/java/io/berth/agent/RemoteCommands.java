package io.berth.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.berth.actions.ActionException;
import io.berth.actions.Actions;
import io.berth.engine.LogQuery;
import io.berth.link.MqttLink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * Remote commands (PROTOCOL.md §7): {@code {p}/{d}/cmd/{verb}} with a JSON body, answered with
 * {@code {"ok":…,"result":…,"error":…}}. Unknown verbs and malformed bodies get {@code ok:false}
 * with the reason. Where the device trusts signing keys, the verbs that change it ({@code restart},
 * {@code reconcile}) run only when signed by one of them for this device; read-only ones stay open.
 */
final class RemoteCommands implements MqttLink.CommandHandler {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 64 * 1024;
    /**
     * Characters of line text in one {@code logs} answer: 1000 lines of up to 16 KiB each would be 16 MiB, more
     * than the whole heap of a small board; the newest lines within this are kept.
     */
    static final int MAX_ANSWER_LINE_CHARS = 256 * 1024;

    /** One verb: takes the body, returns the result or throws {@link CommandFailed} with the reason. */
    interface Verb {
        JsonNode run(JsonNode body) throws CommandFailed;
    }

    static final class CommandFailed extends Exception {
        private final boolean retryable;

        CommandFailed(String message) {
            this(message, false);
        }

        CommandFailed(String message, boolean retryable) {
            super(message);
            this.retryable = retryable;
        }

        /** The one mapping of an action's error to a command's. */
        static CommandFailed of(ActionException e) {
            return new CommandFailed(e.getMessage(), e.retryable());
        }
    }

    /** The verbs that change the device: signed where the device has trusted keys. */
    static final java.util.Set<String> MUTATING = java.util.Set.of("restart", "reconcile");

    private final Map<String, Verb> verbs = new TreeMap<>();
    private final Map<String, java.security.PublicKey> trustedKeys;
    private final String deviceId;
    /** Commands may wait (a restart, a log read): one thread of their own, never Paho's, a short queue. */
    private final ThreadPoolExecutor worker = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(16), r -> {
                Thread t = new Thread(r, "berth-commands");
                t.setDaemon(true);
                return t;
            });

    RemoteCommands() {
        this(Map.of(), "");
    }

    /** @param trustedKeys where not empty, mutating verbs must be signed by one of them for {@code deviceId} */
    RemoteCommands(Map<String, java.security.PublicKey> trustedKeys, String deviceId) {
        this.trustedKeys = Map.copyOf(trustedKeys);
        this.deviceId = deviceId;
        worker.allowCoreThreadTimeOut(true);
    }

    /** The MQTT commands of PROTOCOL.md §7, on the same actions as the control socket. */
    static RemoteCommands on(Actions actions, Map<String, java.security.PublicKey> trustedKeys, String deviceId) {
        return new RemoteCommands(trustedKeys, deviceId)
                .register("reconcile", body -> {
                    actions.reconcile();
                    return JSON.createObjectNode().put("requested", true);
                })
                .register("restart", body -> {
                    try {
                        return JSON.getNodeFactory().textNode(actions.restart(requireText(body, "service")));
                    } catch (ActionException e) {
                        throw CommandFailed.of(e);
                    }
                })
                .register("logs", body -> {
                    String service = requireText(body, "service");
                    int tail = body.path("tail").asInt(100);
                    if (tail < 1 || tail > 1000) {
                        throw new CommandFailed("'tail' must be 1 to 1000, found " + body.get("tail"));
                    }
                    NewestLines lines = new NewestLines(MAX_ANSWER_LINE_CHARS);
                    CompletableFuture<Throwable> end = new CompletableFuture<>();
                    try (AutoCloseable read = actions.logs(service, new LogQuery(tail, 0, false),
                            line -> lines.add(line.time(), line.stream(), line.line()),
                            error -> end.complete(error))) {
                        Throwable error = end.get(15, TimeUnit.SECONDS);
                        if (error != null) {
                            throw new CommandFailed("reading the logs of " + service + " failed: "
                                    + error.getMessage());
                        }
                    } catch (ActionException e) {
                        throw CommandFailed.of(e);
                    } catch (TimeoutException e) {
                        throw new CommandFailed("reading the logs of " + service + " took over 15 s");
                    } catch (CommandFailed e) {
                        throw e;
                    } catch (Exception e) {
                        throw new CommandFailed("reading the logs of " + service + " failed: " + e);
                    }
                    return lines.answer(JSON.createObjectNode().put("service", service));
                })
                .register("diagnose", body -> actions.diagnose());
    }

    RemoteCommands register(String name, Verb verb) {
        verbs.put(name, verb);
        return this;
    }

    @Override
    public void onCommand(String verb, byte[] body, Consumer<byte[]> reply) {
        if (body != null && body.length > MAX_BODY) {
            // answered here: a queue of commands waiting for the worker holds no large bodies
            reply.accept(refusal("the body is " + body.length + " bytes; commands take at most " + MAX_BODY));
            return;
        }
        try {
            worker.execute(() -> reply.accept(answer(verb, body)));
        } catch (RejectedExecutionException busy) {
            reply.accept(refusal("the agent is busy with 16 other commands: try again shortly"));
        }
    }

    private static byte[] refusal(String error) {
        ObjectNode answer = JSON.createObjectNode().put("ok", false).putNull("result").put("error", error);
        return answer.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The newest log lines whose text fits in a budget of characters (the engine sends the oldest first);
     * older ones are left out and counted in {@code "truncated"}.
     */
    static final class NewestLines {
        private final long budget;
        private final Deque<ObjectNode> lines = new ArrayDeque<>();
        private long bytes;
        private long truncated;

        NewestLines(long budget) {
            this.budget = budget;
        }

        synchronized void add(String time, String stream, String text) {
            lines.addLast(JSON.createObjectNode().put("t", time).put("stream", stream).put("line", text));
            bytes += text.length();
            while (bytes > budget && !lines.isEmpty()) {
                bytes -= lines.removeFirst().path("line").asText().length();
                truncated++;
            }
        }

        synchronized ObjectNode answer(ObjectNode answer) {
            ArrayNode array = answer.putArray("lines");
            lines.forEach(array::add);
            answer.put("truncated", truncated);
            return answer;
        }
    }

    byte[] answer(String name, byte[] body) {
        ObjectNode answer = JSON.createObjectNode();
        Verb verb = verbs.get(name);
        try {
            if (verb == null) {
                throw new CommandFailed("unknown command '" + name + "': use one of " + String.join(", ", verbs.keySet()));
            }
            JsonNode request = parse(body);
            if (MUTATING.contains(name)) {
                var refused = io.berth.spec.Signatures.verifyCommand(request, trustedKeys, deviceId);
                if (!refused.isEmpty()) {
                    throw new CommandFailed("refused: '" + name + "' changes this device, which takes it only signed "
                            + "by a trusted key for this device (berth cmd --sign-key FILE): " + refused.get(0));
                }
            }
            JsonNode result = verb.run(request);
            answer.put("ok", true);
            answer.set("result", result);
            answer.putNull("error");
            Logger.info("remote command '{}' done", name);
        } catch (CommandFailed e) {
            answer.put("ok", false);
            answer.putNull("result");
            answer.put("error", e.getMessage());
            answer.put("retryable", e.retryable);
            Logger.info("remote command '{}' refused: {}", name, e.getMessage());
        } catch (RuntimeException e) {
            answer.put("ok", false);
            answer.putNull("result");
            answer.put("error", "the agent failed to carry out '" + name + "': " + e);
            Logger.error(e, "remote command '{}' failed", name);
        }
        return answer.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode parse(byte[] body) throws CommandFailed {
        if (body == null || body.length == 0) {
            return JSON.createObjectNode();
        }
        if (body.length > MAX_BODY) {
            throw new CommandFailed("the body is " + body.length + " bytes; commands take at most " + MAX_BODY);
        }
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || !node.isObject()) {
                throw new CommandFailed("the body must be a JSON object, e.g. {\"service\": \"web\"}");
            }
            return node;
        } catch (IOException e) {
            throw new CommandFailed("the body is not valid JSON: send a JSON object, e.g. {}");
        }
    }

    /** The text field {@code name} of a request, or a failure that names it. */
    static String requireText(JsonNode body, String name) throws CommandFailed {
        JsonNode value = body.get(name);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new CommandFailed("'" + name + "' is missing: send {\"" + name + "\": \"…\"}");
        }
        return value.asText();
    }
}
