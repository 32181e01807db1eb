package io.berth.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * Log forwarding benchmark (not a test): run by {@code provisioning/bench/logs}. Starts the built
 * agent through the launcher behind a cuttable proxy to the broker and measures
 * <ol>
 * <li>the agent's CPU at fixed paced rates from one container (1,000 / 5,000 / 20,000 lines/s by
 * default, the rate limit lifted), over the steady part of each run, with the CPU split by
 * thread;</li>
 * <li>lines/s from 1 and from 10 containers printing as fast as they can;</li>
 * <li>a 20 s broker outage: delivered + counted as dropped = printed.</li>
 * </ol>
 * Every line carries its number and is accounted for by number ({@link LineTally}): a lost, a
 * doubled or an unprinted line is a mismatch. A mismatch or a timeout makes the exit status 1.
 */
public final class LogBench {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> NO_LIMIT = Map.of("BERTH_LOGS_LINES_PER_SECOND", "1000000",
            "BERTH_LOGS_BYTES_PER_SECOND", "1000000000", "BERTH_LOGS_BUFFER_BYTES", "67108864");
    private static final String TEXT = " lorem ipsum dolor sit amet, consectetur adipiscing elit";

    private final List<String> failures = new ArrayList<>();
    private final Path launcher;

    private LogBench(Path launcher) {
        this.launcher = launcher;
    }

    /** args: LAUNCHER [LINES_PER_CONTAINER [SECONDS_PER_RATE [RATE...]]] */
    public static void main(String[] args) throws Exception {
        Path launcher = Path.of(args.length > 0 ? args[0] : "provisioning/bin/berth");
        int perContainer = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        List<Integer> rates = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            rates.add(Integer.parseInt(args[i]));
        }
        if (rates.isEmpty()) {
            rates = List.of(1_000, 5_000, 20_000);
        }
        LogBench bench = new LogBench(launcher);
        System.out.printf("log forwarding benchmark: launcher %s, %s%n", launcher, System.getenv()
                .getOrDefault("BERTH_JAVA", "its default Java runtime"));
        System.out.println("paced, one container, no rate limit: CPU over the last " + (seconds - 5) + " of "
                + seconds + " s (JIT warm-up left out)");
        System.out.println("  target/s  printed/s  delivered  dropped   agent CPU %  RSS MiB  CPU by thread");
        for (int rate : rates) {
            bench.paced(rate, seconds);
        }
        if (System.getenv("BERTH_BENCH_PROFILE") != null || perContainer == 0) {
            // a profile is of one agent: the paced rates only (give one rate); 0 lines: paced rates only
            bench.finish();
            return;
        }
        System.out.println("as fast as the containers print, no rate limit");
        System.out.println("  containers  lines  dropped   s     lines/s  agent CPU %  RSS MiB");
        bench.burst(1, perContainer);
        bench.burst(10, perContainer / 10);
        bench.outage();
        bench.finish();
    }

    private void finish() {
        if (!failures.isEmpty()) {
            System.out.println("FAILED: " + String.join("\n        ", failures));
            System.exit(1);
        }
        System.out.println("every line accounted for by number in every scenario");
    }

    /** A container printing RATE numbered lines a second for SECONDS, in bursts every 100 ms. */
    static String pacedScript(int rate, int seconds) {
        // /proc/uptime in centiseconds paces each 100 ms burst against the start, so time spent
        // printing does not slow the rate down
        return "sleep 1; n=0; k=0; chunk=" + (rate / 10) + "; read up _ </proc/uptime; t0=${up%.*}${up#*.}; "
                + "while [ $k -lt " + (seconds * 10) + " ]; do i=0; while [ $i -lt $chunk ]; do "
                + "echo L $n" + TEXT + "; n=$((n+1)); i=$((i+1)); done; k=$((k+1)); "
                + "read up _ </proc/uptime; now=${up%.*}${up#*.}; rem=$((t0 + k*10 - now)); "
                + "if [ $rem -gt 0 ]; then usleep $((rem*10000)); fi; done; sleep 3600";
    }

    private void paced(int rate, int seconds) throws Exception {
        int printed = rate / 10 * seconds * 10;
        try (Run run = new Run(launcher, NO_LIMIT)) {
            LineTally tally = run.subscribe();
            String service = run.publish(1, pacedScript(rate, seconds)).get(0);
            run.await(() -> tally.lines() > 0, 120, "the first line at " + rate + "/s");
            Thread.sleep(5_000);
            AgentSample before = AgentSample.of(run.agent.pid());
            long from = System.currentTimeMillis();
            run.await(() -> tally.accounted() >= printed, seconds + 60L, "all " + printed + " lines at " + rate + "/s");
            AgentSample after = AgentSample.of(run.agent.pid());
            long to = System.currentTimeMillis();
            String profile = System.getenv("BERTH_BENCH_PROFILE");
            if (profile != null) { // the window JfrTop reads: the profile of the measured part only
                Files.writeString(Path.of(profile + ".window"), from + " " + to + "\n", StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            }
            System.out.printf("  %8d %10.0f %10d %8d %12.1f %8.1f  %s%n", rate, tally.printedRate(),
                    tally.lines(), tally.dropped(), after.cpuPercentSince(before), after.rssKiB() / 1024.0,
                    after.threadsSince(before));
            check(rate + "/s", tally, Map.of(service, printed));
        } catch (BenchTimeout e) {
            System.out.printf("  %8d  %s%n", rate, e.getMessage());
            failures.add(e.getMessage());
        }
    }

    private void burst(int containers, int perContainer) throws Exception {
        try (Run run = new Run(launcher, NO_LIMIT)) {
            LineTally tally = run.subscribe();
            AgentSample before = AgentSample.of(run.agent.pid());
            List<String> services = run.publish(containers, "i=0; while [ $i -lt " + perContainer
                    + " ]; do echo L $i" + TEXT + "; i=$((i+1)); done; sleep 3600");
            long expected = (long) containers * perContainer;
            long peakRss = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            while (tally.accounted() < expected && System.nanoTime() < deadline) {
                Thread.sleep(200);
                peakRss = Math.max(peakRss, AgentSample.of(run.agent.pid()).rssKiB());
            }
            AgentSample after = AgentSample.of(run.agent.pid());
            double s = tally.arrivalSeconds();
            System.out.printf("  %10d %8d %6d %5.1f %10.0f %12.1f %8.1f%n", containers, tally.lines(), tally.dropped(),
                    s, tally.lines() / Math.max(s, 0.001), after.cpuPercentSince(before), peakRss / 1024.0);
            Map<String, Integer> printed = new LinkedHashMap<>();
            services.forEach(name -> printed.put(name, perContainer));
            if (tally.accounted() < expected) {
                failures.add(containers + " container(s): timed out after 300 s with " + tally.accounted() + " of "
                        + expected + " lines accounted for");
            } else {
                check(containers + " container(s)", tally, printed);
            }
        }
    }

    private void outage() throws Exception {
        int printed = 20_000;
        // a 64 KiB buffer holds ~6000 of the ~16000 lines printed during the outage: the rest must be counted
        try (Run run = new Run(launcher, Map.of("BERTH_LOGS_QOS", "1", "BERTH_LOGS_BUFFER_BYTES", "65536"))) {
            LineTally tally = run.subscribe();
            // ~800 lines/s for 25 s, under the default limit of 1000/s: what is lost is the outage's doing
            String service = run.publish(1, "sleep 2; i=0; while [ $i -lt " + printed + " ]; do echo L $i; "
                    + "i=$((i+1)); if [ $((i % 8)) -eq 0 ]; then sleep 0.01; fi; done; sleep 3600").get(0);
            run.await(() -> tally.lines() > 0, 120, "the first line before the outage");
            Thread.sleep(1000);
            run.proxy.cut();
            long cutAt = System.nanoTime();
            Thread.sleep(20_000);
            run.proxy.open();
            try {
                run.await(() -> tally.accounted() >= printed, 120, "all " + printed + " lines after the outage");
            } finally {
                System.out.printf("20 s broker outage (QoS 1): %d delivered + %d dropped = %d of %d printed, %.1f s%n",
                        tally.lines(), tally.dropped(), tally.accounted(), printed, (System.nanoTime() - cutAt) / 1e9);
            }
            check("outage", tally, Map.of(service, printed));
        } catch (BenchTimeout e) {
            failures.add(e.getMessage());
        }
    }

    private void check(String scenario, LineTally tally, Map<String, Integer> printed) {
        String wrong = tally.mismatch(printed);
        if (wrong != null) {
            failures.add(scenario + ": " + wrong);
            System.out.println("  MISMATCH " + scenario + ": " + wrong);
        }
    }

    static final class BenchTimeout extends Exception {
        BenchTimeout(String message) {
            super(message);
        }
    }

    /** One agent process behind a proxy, its containers, and an operator client; all removed at close. */
    private static final class Run implements AutoCloseable {
        final String device = "bench" + Long.toHexString(System.nanoTime());
        final String prefix = "berth-bench";
        final LoopbackProxy proxy = new LoopbackProxy(1883);
        final MqttClient operator = new MqttClient(TestBroker.URL, "op-" + device, new MemoryPersistence());
        final Path stateDir = Files.createTempDirectory(device);
        final List<String> names = new ArrayList<>();
        final Process agent;

        Run(Path launcher, Map<String, String> env) throws Exception {
            operator.connect();
            ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "agent")
                    .redirectErrorStream(true).redirectOutput(stateDir.resolve("agent.log").toFile());
            builder.environment().putAll(Map.of("BERTH_DEVICE_ID", device, "BERTH_TOPIC_PREFIX", prefix,
                    "BERTH_MQTT_URL", proxy.url(), "BERTH_STATE_DIR", stateDir.resolve("state").toString(),
                    "BERTH_SOCKET", stateDir.resolve("berth.sock").toString()));
            builder.environment().putAll(env);
            agent = builder.start();
        }

        LineTally subscribe() throws MqttException {
            LineTally tally = new LineTally();
            String logs = prefix + "/" + device + "/logs/";
            operator.setCallback(OnMessage.callback((topic, message) ->
                    tally.add(topic.substring(logs.length()), JSON.readTree(message.getPayload()))));
            operator.subscribe(logs + "#", 1);
            return tally;
        }

        /** Publishes one service per container running SCRIPT; returns their names. */
        List<String> publish(int containers, String script) throws MqttException {
            StringBuilder services = new StringBuilder();
            for (int i = 0; i < containers; i++) {
                String name = device + "-c" + i;
                names.add(name);
                services.append(i == 0 ? "" : ",").append("\"").append(name).append("\": {\"image\": \"")
                        .append(ReconcileIT.IMAGE_V1).append("\", \"command\": [\"sh\", \"-c\", \"").append(script)
                        .append("\"]}");
            }
            // a project of its own: its network is the run's, removed at close (berth_default is shared)
            String doc = "{\"revision\": 1, \"name\": \"" + device + "\", \"services\": {" + services + "}}";
            operator.publish(prefix + "/" + device + "/desired", doc.getBytes(StandardCharsets.UTF_8), 1, true);
            return List.copyOf(names);
        }

        void await(java.util.function.BooleanSupplier done, long seconds, String what) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!done.getAsBoolean()) {
                if (!agent.isAlive()) {
                    throw new BenchTimeout("the agent exited waiting for " + what + "; log " + stateDir);
                }
                if (System.nanoTime() > deadline) {
                    throw new BenchTimeout("timed out after " + seconds + " s waiting for " + what);
                }
                Thread.sleep(100);
            }
        }

        @Override
        public void close() throws Exception {
            agent.destroy();
            agent.waitFor(20, TimeUnit.SECONDS);
            names.forEach(DockerCli::removeContainer);
            DockerCli.removeNetwork(device + "_default");
            for (String suffix : List.of("desired", "reported", "online")) {
                operator.publish(prefix + "/" + device + "/" + suffix, new byte[0], 1, true);
            }
            operator.disconnect();
            operator.close();
            proxy.close();
        }
    }
}
