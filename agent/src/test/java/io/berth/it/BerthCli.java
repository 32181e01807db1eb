package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.localapi.ControlClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The built jar as a technician runs it: {@code berth VERB…} processes and a {@code berth agent}
 * process of a {@link TestDevice}, on the real engine, broker and registry. Every output is kept,
 * so a test can check that no secret ever showed.
 */
final class BerthCli {
    private final TestDevice device;
    private final Path agentLog;
    private final List<String> outputs = new ArrayList<>();
    private Process agent;

    record Result(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    BerthCli(TestDevice device) {
        this.device = device;
        this.agentLog = device.stateDir.resolve("agent.log");
    }

    Path agentLog() {
        return agentLog;
    }

    /** Every output of every run so far (stdout and stderr together). */
    List<String> outputs() {
        return outputs;
    }

    Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("BERTH_DEVICE_ID", device.id);
        env.put("BERTH_TOPIC_PREFIX", device.prefix());
        env.put("BERTH_PROJECT", device.project);
        env.put("BERTH_MQTT_URL", TestBroker.URL);
        env.put("BERTH_STATE_DIR", device.stateDir.resolve("state").toString());
        env.put("BERTH_SOCKET", device.stateDir.resolve("run/berth.sock").toString());
        env.put("BERTH_REPORT_MIN_INTERVAL", "200ms");
        return env;
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("berth.jar", "target/berth.jar"));
        assertTrue(Files.isRegularFile(jar), "build the jar first (mvn package): " + jar.toAbsolutePath());
        return jar;
    }

    static ProcessBuilder process(Map<String, String> env, List<String> jvm, String... args) {
        List<String> command = new ArrayList<>(List.of("java"));
        command.addAll(jvm);
        command.addAll(List.of("-jar", jar().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("BERTH_") || k.equals("NO_COLOR"));
        builder.environment().putAll(env);
        return builder;
    }

    Result berth(String... args) throws Exception {
        return berth(env(), List.of(), args);
    }

    /** Runs berth with {@code input} on its stdin (null: none). */
    Result berthWithInput(String input, String... args) throws Exception {
        return run(env(), List.of(), input, args);
    }

    Result berth(Map<String, String> env, List<String> jvm, String... args) throws Exception {
        return run(env, jvm, null, args);
    }

    private Result run(Map<String, String> env, List<String> jvm, String input, String... args) throws Exception {
        Process p = process(env, jvm, args).start();
        if (input != null) {
            p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "berth " + String.join(" ", args) + " did not finish");
        Result r = new Result(p.exitValue(), out, err.get());
        outputs.add(r.all());
        return r;
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    void startAgent() throws Exception {
        agent = process(env(), List.of(), "agent").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(agentLog.toFile())).start();
        Await.until("the control socket answers", unchecked(() -> socketStatus() != null ? true : null),
                Duration.ofSeconds(30), this::agentLogText);
    }

    void stopAgent() throws Exception {
        if (agent != null) {
            agent.destroy();
            if (!agent.waitFor(20, TimeUnit.SECONDS)) {
                agent.destroyForcibly();
            }
            agent = null;
        }
    }

    String agentLogText() {
        try {
            return Files.readString(agentLog);
        } catch (IOException e) {
            return "(no agent log)";
        }
    }

    JsonNode awaitReport(String what, Predicate<JsonNode> condition) throws Exception {
        // polled in-process through the same socket (a JVM per poll would only slow the test down)
        return Await.until(what, unchecked(() -> {
            JsonNode status = socketStatus();
            JsonNode report = status == null ? null : status.path("report");
            return report != null && condition.test(report) ? report : null;
        }), ReconcileIT.CONVERGE, this::agentLogText);
    }

    JsonNode socketStatus() {
        try {
            return new ControlClient(Path.of(env().get("BERTH_SOCKET"))).call("status", null);
        } catch (IOException e) {
            return null;
        }
    }

    static <T> java.util.function.Supplier<T> unchecked(java.util.concurrent.Callable<T> call) {
        return () -> {
            try {
                return call.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    static boolean at(JsonNode report, String phase, long desired, long applied) {
        return phase.equals(report.path("phase").asText()) && report.at("/revision/desired").asLong() == desired
                && report.at("/revision/applied").asLong() == applied;
    }
}
