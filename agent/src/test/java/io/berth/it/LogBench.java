package io.berth.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * Log forwarding benchmark (not a test): run by {@code provisioning/bench/logs}. Starts the built
 * agent through the launcher behind a cuttable proxy to the broker and measures (1) lines/s
 * forwarded from 1 and from 10 chatty containers, with the agent's CPU and RSS, and (2) the
 * accounting across a broker outage: lines delivered + lines counted as dropped against lines
 * printed.
 */
public final class LogBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AtomicLong lines = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile long firstNanos;
    private volatile long lastNanos;

    public static void main(String[] args) throws Exception {
        Path launcher = Path.of(args.length > 0 ? args[0] : "provisioning/bin/berth");
        int perContainer = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        System.out.printf("log forwarding benchmark: %d lines per container, launcher %s%n", perContainer, launcher);
        System.out.println("scenario                     lines recv  dropped    s    lines/s   agent CPU%   agent RSS MiB");
        new LogBench().throughput(launcher, 1, perContainer);
        new LogBench().throughput(launcher, 10, perContainer / 10);
        new LogBench().outage(launcher);
    }

    private void throughput(Path launcher, int containers, int perContainer) throws Exception {
        try (Run run = new Run(launcher, Map.of("BERTH_LOGS_LINES_PER_SECOND", "1000000",
                "BERTH_LOGS_BYTES_PER_SECOND", "1000000000", "BERTH_LOGS_BUFFER_BYTES", "67108864"))) {
            subscribe(run);
            long cpuBefore = run.cpuTicks();
            long start = System.nanoTime();
            run.publish(containers, "i=0; while [ $i -lt " + perContainer + " ]; do echo line $i of a chatty service "
                    + "writing its log; i=$((i+1)); done; sleep 3600");
            long expected = (long) containers * perContainer;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            long peakRss = 0;
            while (lines.get() + dropped.get() < expected && System.nanoTime() < deadline) {
                Thread.sleep(200);
                peakRss = Math.max(peakRss, run.rssKiB());
            }
            double seconds = (lastNanos - firstNanos) / 1e9;
            double cpu = (run.cpuTicks() - cpuBefore) / 100.0 / ((System.nanoTime() - start) / 1e9) * 100;
            System.out.printf("%2d container(s), no limit   %10d %8d %6.1f %10.0f %10.0f %12.1f%n", containers,
                    lines.get(), dropped.get(), seconds, lines.get() / Math.max(seconds, 0.001), cpu, peakRss / 1024.0);
        }
    }

    private void outage(Path launcher) throws Exception {
        int printed = 20_000;
        // a 64 KiB buffer holds ~6000 of the ~16000 lines printed during the outage: the rest must be counted
        try (Run run = new Run(launcher, Map.of("BERTH_LOGS_QOS", "1", "BERTH_LOGS_BUFFER_BYTES", "65536"))) {
            subscribe(run);
            // ~800 lines/s for 25 s, under the default limit of 1000/s: what is lost is the outage's doing
            run.publish(1, "sleep 2; i=0; while [ $i -lt " + printed + " ]; do echo n $i; i=$((i+1)); "
                    + "if [ $((i % 8)) -eq 0 ]; then sleep 0.01; fi; done; sleep 3600");
            while (lines.get() == 0) {
                Thread.sleep(100);
            }
            Thread.sleep(1000);
            run.proxy.cut();
            long cutAt = System.nanoTime();
            Thread.sleep(20_000);
            run.proxy.open();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (lines.get() + dropped.get() < printed && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            System.out.printf("20 s broker outage (QoS 1)  %10d %8d %6.1f   printed %d: delivered + dropped = %d (%s)%n",
                    lines.get(), dropped.get(), (System.nanoTime() - cutAt) / 1e9, printed, lines.get() + dropped.get(),
                    lines.get() + dropped.get() == printed ? "every line accounted for" : "MISMATCH");
        }
    }

    private void subscribe(Run run) throws MqttException {
        run.operator.setCallback(OnMessage.callback((topic, message) -> {
            JsonNode batch = JSON.readTree(message.getPayload());
            long now = System.nanoTime();
            if (firstNanos == 0) {
                firstNanos = now;
            }
            lastNanos = now;
            lines.addAndGet(batch.path("lines").size());
            dropped.addAndGet(batch.path("dropped").asLong());
        }));
        run.operator.subscribe(run.prefix + "/" + run.device + "/logs/#", 1);
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

        void publish(int containers, String script) throws MqttException {
            StringBuilder services = new StringBuilder();
            for (int i = 0; i < containers; i++) {
                String name = device + "-c" + i;
                names.add(name);
                services.append(i == 0 ? "" : ",").append("\"").append(name).append("\": {\"image\": \"")
                        .append(ReconcileIT.IMAGE_V1).append("\", \"command\": [\"sh\", \"-c\", \"").append(script)
                        .append("\"]}");
            }
            String doc = "{\"revision\": 1, \"services\": {" + services + "}}";
            operator.publish(prefix + "/" + device + "/desired", doc.getBytes(StandardCharsets.UTF_8), 1, true);
        }

        long cpuTicks() throws Exception {
            String[] stat = Files.readString(Path.of("/proc/" + agent.pid() + "/stat")).split("\\) ", 2)[1].split(" ");
            return Long.parseLong(stat[11]) + Long.parseLong(stat[12]);
        }

        long rssKiB() throws Exception {
            for (String line : Files.readAllLines(Path.of("/proc/" + agent.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return 0;
        }

        @Override
        public void close() throws Exception {
            agent.destroy();
            agent.waitFor(20, TimeUnit.SECONDS);
            names.forEach(DockerCli::removeContainer);
            for (String suffix : List.of("desired", "reported", "online")) {
                operator.publish(prefix + "/" + device + "/" + suffix, new byte[0], 1, true);
            }
            operator.disconnect();
            operator.close();
            proxy.close();
        }
    }
}
