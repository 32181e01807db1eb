package io.berth.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.actions.Actions;
import io.berth.engine.LogQuery;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** The control-socket verbs that answer with frames: {@code logs} and {@code events}. */
final class StreamingVerbs {
    private static final long LOG_READ_TIMEOUT_S = 60;

    private final Actions actions;

    StreamingVerbs(Actions actions) {
        this.actions = actions;
    }

    /**
     * {@code logs}: {@code service} (one) or {@code services} (a list; empty or absent: all), and
     * {@code follow}, {@code tail}, {@code since}, {@code until}. Each frame is one line with its service.
     */
    void logs(JsonNode args, Reply reply) throws Exception {
        List<String> services = new ArrayList<>();
        if (args.path("service").isTextual()) {
            services.add(args.get("service").asText());
        }
        args.path("services").forEach(s -> services.add(s.asText()));
        boolean follow = args.path("follow").asBoolean(false);
        LogQuery query = new LogQuery(args.path("tail").asInt(-1), args.path("since").asLong(0), follow,
                args.path("until").asLong(0));
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean clientGone = new AtomicBoolean();
        String what = services.size() == 1 ? services.get(0) : "the services";
        AutoCloseable stream = actions.logs(services, query, (service, line) -> {
            if (clientGone.get()) {
                return;
            }
            ObjectNode frame = Protocol.JSON.createObjectNode();
            frame.put("service", service).put("t", line.time()).put("stream", line.stream()).put("line", line.line());
            synchronized (reply) {
                try {
                    reply.frame(frame);
                } catch (IOException e) {
                    clientGone.set(true);
                    done.countDown();
                    reply.close();
                }
            }
        }, error -> {
            failure.set(error);
            done.countDown();
            if (follow && !clientGone.get()) {
                // the logs ended (the containers stopped or went): answer, and wake awaitClientGone below
                try {
                    if (error == null) {
                        reply.ok(null);
                    } else {
                        reply.error("reading the log of " + what + " failed: " + error.getMessage());
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
            reply.error("reading the log of " + what + " failed: " + error.getMessage());
        } else {
            reply.ok(null);
        }
    }

    /**
     * {@code events}: the kept events since {@code since} (epoch milliseconds; absent: all kept),
     * one frame each; with {@code follow}, then every new one until the client goes away.
     */
    void events(JsonNode args, Reply reply) throws Exception {
        Instant since = args.has("since") ? Instant.ofEpochMilli(args.path("since").asLong()) : null;
        if (!args.path("follow").asBoolean(false)) {
            for (JsonNode event : actions.events().since(since)) {
                reply.frame(event);
            }
            reply.ok(null);
            return;
        }
        AtomicBoolean clientGone = new AtomicBoolean();
        try (AutoCloseable live = actions.events().follow(since, event -> {
            synchronized (reply) {
                if (clientGone.get()) {
                    return;
                }
                try {
                    reply.frame(event);
                } catch (IOException e) {
                    clientGone.set(true);
                    reply.close();
                }
            }
        })) {
            reply.awaitClientGone();
        }
    }
}
