package io.berth.fleet.verbs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.fleet.BrokerOptions;
import io.berth.support.Args;
import io.berth.spec.SigningKey;
import io.berth.link.OperatorConnection;
import io.berth.model.Durations;
import io.berth.spec.Signatures;
import io.berth.spec.SigningKey;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One device from an operator's machine, over MQTT: {@code berth logs --device ID SERVICE}
 * (its forwarded logs, §6) and {@code berth cmd --device ID VERB [ARGS]} (a command, §7).
 */
public final class DeviceVerbs {
    /** {@code berth cmd}: no answer came. */
    public static final int NO_ANSWER = 3;

    static final String LOGS_HELP = """
            Usage: berth logs --device ID SERVICE [-f] [--since TIME|DURATION] [--tail N]

            A device's service output: its recent lines (asked with the 'logs' command), then
            with -f the lines the device forwards as they come. A batch that says lines were
            dropped (rate limit, broker away) shows as a line of its own. Exit 3 when the device
            does not answer (without -f).
            """ + BrokerOptions.HELP;
    static final String CMD_HELP = """
            Usage: berth cmd --device ID VERB [ARGS…] [--json] [--timeout 30s] [--sign-key FILE]

            Sends a command (restart, logs, reconcile, diagnose) and prints the answer. ARGS are
            key=value pairs or one JSON object; a single bare word is the service
            (berth cmd --device pi-1 restart web). Exit 0 ok, 1 when the device answers ok:false,
            3 when no answer comes. --sign-key signs it (devices with trusted keys want that for
            restart and reconcile).
            """ + BrokerOptions.HELP;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private DeviceVerbs() {}

    public static int logs(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.contains("-h") || args.contains("--help")) {
            out.print(LOGS_HELP);
            return FleetCommand.OK;
        }
        Args a;
        BrokerOptions broker;
        Instant since;
        int tail;
        try {
            a = Args.parse(args, Set.of("-f", "--follow"), FleetCommand.options("--device", "--since", "--tail"),
                    Map.of("--follow", "-f"));
            if (a.value("--device") == null || a.positional.size() != 1) {
                throw new Args.UsageException("give --device ID and one SERVICE");
            }
            since = since(a.value("--since"), Clock.systemUTC().instant());
            tail = a.value("--tail") == null ? 100 : Integer.parseInt(a.value("--tail"));
            if (tail < 1 || tail > 1000) {
                throw new Args.UsageException("--tail takes 1 to 1000");
            }
            broker = BrokerOptions.from(a, env);
        } catch (Args.UsageException | NumberFormatException e) {
            err.println("berth logs: " + e.getMessage());
            err.print(LOGS_HELP);
            return FleetCommand.USAGE;
        }
        String device = a.value("--device");
        String service = a.positional.get(0);
        String base = broker.prefix() + "/" + device + "/";
        try (OperatorConnection c = OperatorConnection.connect(broker.settings())) {
            Mark last = new Mark(since);
            CountDownLatch untilInterrupted = new CountDownLatch(1); // -f follows until Ctrl-C
            if (a.has("-f")) {
                c.onLost(() -> err.println("berth logs: lost the broker; reconnecting"));
                c.subscribe(base + "logs/" + service, (topic, payload) -> {
                    JsonNode batch = read(payload);
                    synchronized (out) {
                        if (batch.path("dropped").asLong(0) > 0) {
                            out.println("-- " + batch.path("dropped").asLong() + " line(s) dropped by the device "
                                    + "(rate limit or broker away) --");
                        }
                        print(batch.path("lines"), last, out);
                        out.flush();
                    }
                });
            }
            ObjectNode body = JSON.createObjectNode().put("service", service).put("tail", tail)
                    .put("device", device).put("expiresAt", Clock.systemUTC().instant().plusSeconds(20).toString());
            JsonNode reply = c.request(base + "cmd/logs", body, replyTopic(base), Duration.ofSeconds(20));
            synchronized (out) {
                if (reply == null) {
                    err.println("berth logs: " + device + " did not answer (offline?)" + (a.has("-f")
                            ? "; showing lines as they are forwarded" : ""));
                } else if (!reply.path("ok").asBoolean()) {
                    err.println("berth logs: " + device + ": " + reply.path("error").asText());
                    return FleetCommand.FAILED;
                } else {
                    print(reply.path("result").path("lines"), last, out);
                }
                out.flush();
            }
            if (!a.has("-f")) {
                return reply == null ? NO_ANSWER : FleetCommand.OK;
            }
            untilInterrupted.await();
            return FleetCommand.OK;
        } catch (IOException e) {
            err.println("berth logs: " + e.getMessage());
            return FleetCommand.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FleetCommand.OK;
        }
    }

    /**
     * What {@code berth logs} has printed: the latest time seen and the lines printed at that very
     * time, so the answer to the request and the forwarded batches that overlap it print each
     * line once. Times are compared as instants (their text has 0 to 9 fraction digits).
     */
    static final class Mark {
        private Instant at;
        private final java.util.Set<String> atLines = new java.util.HashSet<>();

        Mark(Instant since) {
            this.at = since;
        }

        /** Whether to print a line of time {@code t} (null: no time), and moves the mark when so. */
        boolean admit(String t, String line) {
            Instant when;
            try {
                when = t == null || t.isEmpty() ? null : Instant.parse(t);
            } catch (java.time.format.DateTimeParseException e) {
                when = null;
            }
            if (when == null) {
                return true;
            }
            if (at != null && when.isBefore(at)) {
                return false;
            }
            if (at == null || when.isAfter(at)) {
                at = when;
                atLines.clear();
            }
            return atLines.add(line);
        }
    }

    /** Prints the lines the mark admits. */
    static void print(JsonNode lines, Mark mark, PrintStream out) {
        for (JsonNode l : lines) {
            String line = l.path("line").asText();
            if (mark.admit(l.path("t").asText(""), line)) {
                out.println(line);
            }
        }
    }

    public static int cmd(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.contains("-h") || args.contains("--help")) {
            out.print(CMD_HELP);
            return FleetCommand.OK;
        }
        Args a;
        BrokerOptions broker;
        Duration timeout;
        ObjectNode body;
        try {
            a = Args.parse(args, Set.of("--json"), FleetCommand.options("--device", "--timeout", "--sign-key"), Map.of());
            if (a.value("--device") == null || a.positional.isEmpty()) {
                throw new Args.UsageException("give --device ID and a VERB");
            }
            timeout = Durations.parse(a.value("--timeout") == null ? "30s" : a.value("--timeout"));
            if (timeout == null || timeout.isZero() || timeout.isNegative()) {
                throw new Args.UsageException("--timeout takes a duration like 30s");
            }
            body = body(a.positional.subList(1, a.positional.size()));
            broker = BrokerOptions.from(a, env);
        } catch (Args.UsageException e) {
            err.println("berth cmd: " + e.getMessage());
            err.print(CMD_HELP);
            return FleetCommand.USAGE;
        }
        String device = a.value("--device");
        String verb = a.positional.get(0);
        String base = broker.prefix() + "/" + device + "/";
        body.put("device", device).put("expiresAt", Clock.systemUTC().instant().plus(timeout).toString());
        try (OperatorConnection c = OperatorConnection.connect(broker.settings())) {
            if (a.value("--sign-key") != null) {
                SigningKey key = SigningKey.read(Path.of(a.value("--sign-key")));
                body = Signatures.signCommand(body.put("verb", verb), key.keyId(), key.key()); // the verb is signed too
            }
            JsonNode reply = c.request(base + "cmd/" + verb, body, replyTopic(base), timeout);
            if (reply == null) {
                err.println("berth cmd: no answer from " + device + " within " + timeout.toSeconds() + " s (offline? "
                        + "see berth fleet ls)");
                return NO_ANSWER;
            }
            if (a.has("--json")) {
                out.println(reply);
            } else if (reply.path("ok").asBoolean()) {
                JsonNode result = reply.path("result");
                out.println(result.isTextual() ? result.asText() : PRETTY.writeValueAsString(result));
            }
            if (!reply.path("ok").asBoolean()) {
                err.println("berth cmd: " + device + " refused '" + verb + "': " + reply.path("error").asText());
                return FleetCommand.FAILED;
            }
            return FleetCommand.OK;
        } catch (IOException | GeneralSecurityException e) {
            err.println("berth cmd: " + e.getMessage());
            return FleetCommand.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return NO_ANSWER;
        }
    }

    /** {@code key=value…}, one JSON object, or one bare word (the service). */
    static ObjectNode body(List<String> words) throws Args.UsageException {
        ObjectNode body = JSON.createObjectNode();
        if (words.size() == 1 && words.get(0).strip().startsWith("{")) {
            JsonNode parsed = read(words.get(0).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (!(parsed instanceof ObjectNode o) || o.has("unreadable")) {
                throw new Args.UsageException("the arguments are not a JSON object: " + words.get(0));
            }
            return o;
        }
        if (words.size() == 1 && !words.get(0).contains("=")) {
            return body.put("service", words.get(0));
        }
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq <= 0) {
                throw new Args.UsageException("argument '" + w + "' is not key=value");
            }
            String v = w.substring(eq + 1);
            if (v.matches("-?\\d{1,18}")) {
                body.put(w.substring(0, eq), Long.parseLong(v));
            } else {
                body.put(w.substring(0, eq), v);
            }
        }
        return body;
    }

    /** A reply topic under the device's own topics, which its ACL lets it write (provisioning/mosquitto/acl.example). */
    private static String replyTopic(String base) {
        return base + "reply/" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    private static Instant since(String text, Instant now) throws Args.UsageException {
        if (text == null) {
            return null;
        }
        Duration d = Durations.parse(text);
        if (d != null) {
            return now.minus(d);
        }
        try {
            return Instant.parse(text);
        } catch (RuntimeException e) {
            throw new Args.UsageException("--since takes a duration (10m) or a time (2026-12-01T10:00:00Z)");
        }
    }

    private static JsonNode read(byte[] payload) {
        try {
            JsonNode n = JSON.readTree(payload);
            return n == null ? JSON.createObjectNode() : n;
        } catch (IOException e) {
            return JSON.createObjectNode().put("unreadable", new String(payload, java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
