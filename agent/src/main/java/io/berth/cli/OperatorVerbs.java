package io.berth.cli;

import io.berth.support.Args;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.link.OperatorClient;
import io.berth.link.Topics;
import io.berth.model.Durations;
import io.berth.spec.DocumentParser;
import io.berth.spec.ParsedDocument;
import io.berth.spec.SpecError;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** For operators on their own machines, over MQTT: {@code berth publish} and {@code berth watch}. */
final class OperatorVerbs {
    static final String PUBLISH_HELP = """
            Usage: berth publish --device ID FILE [--wait] [--timeout DURATION]

            Publishes a desired document (JSON or Compose YAML) to a device, retained. A
            document without a revision gets the next one after what the device reports
            and what is retained. --wait waits for the device to converge (exit 0) or to
            reject or fail the revision (exit 1); --timeout (default 5m) bounds the wait.
            """ + io.berth.fleet.BrokerOptions.HELP;
    static final String WATCH_HELP = """
            Usage: berth watch --device ID [--json]

            Follows a device live: its online status, reported state and events, one line
            each, until Ctrl-C. --json prints the messages as they come.
            """ + io.berth.fleet.BrokerOptions.HELP;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration RETAINED_WAIT = Duration.ofSeconds(2);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private OperatorVerbs() {}

    private record Message(OperatorClient.Kind kind, byte[] payload) {}

    private static OperatorClient connect(Args a, Map<String, String> env) throws IOException {
        io.berth.fleet.BrokerOptions broker;
        try {
            broker = io.berth.fleet.BrokerOptions.from(a, env);
        } catch (Args.UsageException e) {
            throw new IOException(e.getMessage(), e);
        }
        return new OperatorClient(broker.settings(), new Topics(broker.prefix(), a.value("--device")));
    }

    /** The verb's own value options and the broker's (a list, login, TLS files). */
    private static Set<String> options(String... own) {
        Set<String> all = new java.util.HashSet<>(io.berth.fleet.BrokerOptions.OPTIONS);
        all.addAll(List.of(own));
        return all;
    }

    static int publish(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.contains("-h") || args.contains("--help")) {
            out.print(PUBLISH_HELP);
            return AgentVerbs.OK;
        }
        Args a;
        Duration timeout;
        ComposeArgs compose;
        try {
            compose = ComposeArgs.extract(args);
            a = Args.parse(compose.rest(), Set.of("--wait"), options("--device", "--timeout"), Map.of());
            if (a.value("--device") == null || compose.filesWith(a.positional).isEmpty() || a.positional.size() > 1) {
                throw new Args.UsageException("give --device ID and one FILE (or -f FILE [-f FILE…])");
            }
            timeout = a.value("--timeout") == null ? Duration.ofMinutes(5) : Durations.parse(a.value("--timeout"));
            if (timeout == null) {
                throw new Args.UsageException("--timeout takes a duration like 90s or 5m");
            }
        } catch (Args.UsageException e) {
            err.println("berth publish: " + e.getMessage());
            err.print(PUBLISH_HELP);
            return AgentVerbs.USAGE;
        }
        List<Path> files = compose.filesWith(a.positional);
        Path file = files.get(0);
        JsonNode tree;
        if (!Files.isReadable(file)) {
            err.println("berth publish: cannot read " + file);
            return AgentVerbs.USAGE;
        }
        tree = ComposeFile.readForSending(files, compose.profiles(), env, "publish", err);
        if (tree == null) {
            return AgentVerbs.FAILED;
        }
        if (tree == null || !tree.isObject()) {
            err.println("berth publish: " + file + " is not readable or holds no desired document");
            return AgentVerbs.USAGE;
        }
        ObjectNode document = (ObjectNode) tree;
        LinkedBlockingQueue<Message> messages = new LinkedBlockingQueue<>();
        try (OperatorClient client = connect(a, env)) {
            client.follow((kind, payload) -> messages.add(new Message(kind, payload)), () -> messages.add(
                    new Message(null, new byte[0])));
            // the retained desired and reported documents arrive right after subscribing
            long known = 0;
            JsonNode retained = null;
            Message lastReport = null;
            long deadline = System.nanoTime() + RETAINED_WAIT.toNanos();
            int seen = 0;
            while (seen < 2 && System.nanoTime() < deadline) {
                Message m = messages.poll(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
                if (m == null) {
                    break;
                }
                JsonNode doc = parse(m.payload());
                if (m.kind() == OperatorClient.Kind.DESIRED) {
                    known = Math.max(known, doc.path("revision").asLong());
                    retained = doc;
                    seen++;
                } else if (m.kind() == OperatorClient.Kind.REPORTED) {
                    known = Math.max(known, doc.path("revision").path("desired").asLong());
                    seen++;
                    lastReport = m;
                }
            }
            if (!document.has("revision")) {
                // the next revision; the retained one when the content is the same (publishing a file twice)
                ObjectNode same = retained instanceof ObjectNode o ? o.deepCopy() : null;
                if (same != null) {
                    same.remove("revision");
                }
                document.put("revision", document.equals(same) ? retained.path("revision").asLong() : known + 1);
            }
            ParsedDocument parsed = DocumentParser.parse(document);
            if (parsed instanceof ParsedDocument.Invalid invalid) {
                err.println("berth publish: " + file + " is not valid; nothing was published:");
                for (SpecError e : invalid.errors()) {
                    err.println("  " + e);
                }
                return AgentVerbs.FAILED;
            }
            long revision = document.path("revision").asLong();
            client.publishDesired(JSON.writeValueAsBytes(document));
            out.println("published revision " + revision + " to " + a.value("--device"));
            if (!a.has("--wait")) {
                return AgentVerbs.OK;
            }
            if (lastReport != null) {
                messages.add(lastReport); // the device may be there already (the same document again)
            }
            return await(messages, revision, timeout, out, err);
        } catch (IOException e) {
            err.println("berth publish: " + e.getMessage());
            return AgentVerbs.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return AgentVerbs.FAILED;
        }
    }

    private static int await(LinkedBlockingQueue<Message> messages, long revision, Duration timeout, PrintStream out,
                             PrintStream err) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Message m = left <= 0 ? null : messages.poll(left, TimeUnit.NANOSECONDS);
            if (m == null) {
                err.println("berth publish: revision " + revision + " did not converge within " + timeout.toSeconds()
                        + " s (is the device online? berth watch --device ID)");
                return AgentVerbs.FAILED;
            }
            if (m.kind() == null) {
                err.println("berth publish: lost the broker while waiting");
                return AgentVerbs.FAILED;
            }
            if (m.kind() != OperatorClient.Kind.REPORTED) {
                continue;
            }
            Convergence verdict = Convergence.of(parse(m.payload()), revision);
            switch (verdict.outcome()) {
                case CONVERGED -> {
                    out.println(verdict.message());
                    return AgentVerbs.OK;
                }
                case FAILED -> {
                    err.println("berth publish: the device " + verdict.message());
                    verdict.printErrors(err);
                    return AgentVerbs.FAILED;
                }
                default -> {
                    // still on its way
                }
            }
        }
    }

    static int watch(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.contains("-h") || args.contains("--help")) {
            out.print(WATCH_HELP);
            return AgentVerbs.OK;
        }
        Args a;
        try {
            a = Args.parse(args, Set.of("--json"), options("--device"), Map.of());
            if (a.value("--device") == null || !a.positional.isEmpty()) {
                throw new Args.UsageException("give --device ID");
            }
        } catch (Args.UsageException e) {
            err.println("berth watch: " + e.getMessage());
            err.print(WATCH_HELP);
            return AgentVerbs.USAGE;
        }
        boolean json = a.has("--json");
        CountDownLatch lost = new CountDownLatch(1);
        try (OperatorClient client = connect(a, env)) {
            client.follow((kind, payload) -> {
                synchronized (out) {
                    if (kind == OperatorClient.Kind.DESIRED) {
                        return; // it may hold registry credentials; the report says what matters
                    }
                    if (json) {
                        out.println("{\"topic\":\"" + kind.name().toLowerCase() + "\",\"message\":"
                                + (payload.length == 0 ? "null" : parse(payload).toString()) + "}");
                    } else {
                        out.println(line(kind, parse(payload)));
                    }
                    out.flush();
                }
            }, lost::countDown);
            lost.await();
            err.println("berth watch: lost the broker");
            return AgentVerbs.FAILED;
        } catch (IOException e) {
            err.println("berth watch: " + e.getMessage());
            return AgentVerbs.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return AgentVerbs.OK;
        }
    }

    static String line(OperatorClient.Kind kind, JsonNode m) {
        String time = LocalTime.now(ZoneId.systemDefault()).format(CLOCK);
        return switch (kind) {
            case ONLINE -> time + " online   " + (m.path("online").asBoolean() ? "yes" : "no");
            case EVENT -> time + " event    " + m.path("type").asText() + " rev " + m.path("revision").asText()
                    + (m.has("service") ? " " + m.path("service").asText() : "") + ": " + m.path("message").asText();
            default -> {
                StringBuilder s = new StringBuilder(time + " reported " + m.path("phase").asText() + " desired "
                        + m.path("revision").path("desired").asText() + " applied "
                        + m.path("revision").path("applied").asText());
                Iterator<Map.Entry<String, JsonNode>> services = m.path("services").fields();
                while (services.hasNext()) {
                    Map.Entry<String, JsonNode> e = services.next();
                    s.append(' ').append(e.getKey()).append('=').append(e.getValue().path("state").asText());
                }
                yield s.toString();
            }
        };
    }

    private static JsonNode parse(byte[] payload) {
        try {
            return payload.length == 0 ? JSON.nullNode() : JSON.readTree(payload);
        } catch (IOException e) {
            return JSON.createObjectNode().put("unreadable", new String(payload, java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
