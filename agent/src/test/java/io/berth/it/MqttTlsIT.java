package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.agent.Agent;
import io.berth.link.TlsFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The link against the TLS Mosquitto of {@code provisioning/dev-services}: 127.0.0.1:8883 (TLS,
 * user/password) and :8884 (mTLS, the certificate's CN is the user), both with the per-device
 * ACL of {@code provisioning/mosquitto/acl.example}. Client certificates are made here with
 * openssl, signed by the dev CA.
 */
class MqttTlsIT {
    static final Path TLS = Path.of(System.getenv().getOrDefault("BERTH_DEV_DIR", "/var/tmp/berth-dev"), "tls");
    static final String TLS_URL = "ssl://127.0.0.1:8883";
    static final String MTLS_URL = "ssl://127.0.0.1:8884";
    static final Duration CONNECT = Duration.ofSeconds(30);
    static Map<String, String> passwords = new ConcurrentHashMap<>();

    @TempDir
    Path temp;
    private TestDevice device;

    @BeforeAll
    static void readPasswords() throws IOException {
        Path file = TLS.resolve("passwords");
        assertTrue(Files.isReadable(file), "run provisioning/dev-services up first: " + file + " is missing");
        for (String line : Files.readAllLines(file)) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length == 2) {
                passwords.put(parts[0], parts[1]);
            }
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        if (device != null) {
            device.close();
        }
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl " + command + ": " + out);
    }

    /** A client key and certificate with this CN, signed by {@code caCrt}/{@code caKey}, valid between the dates. */
    private Path[] clientCertificate(String cn, Path caCrt, Path caKey, String start, String end) throws Exception {
        Path dir = Files.createDirectories(temp.resolve("pki-" + cn + "-" + end));
        Files.writeString(dir.resolve("index.txt"), "");
        Files.writeString(dir.resolve("serial"), "1000\n");
        Files.writeString(dir.resolve("ca.cnf"), """
                [ca]
                default_ca = dev
                [dev]
                database = index.txt
                new_certs_dir = .
                certificate = %s
                private_key = %s
                serial = serial
                default_md = sha256
                policy = any
                unique_subject = no
                [any]
                commonName = supplied
                """.formatted(caCrt, caKey));
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + cn, "-keyout", "client.key",
                "-out", "client.csr");
        openssl(dir, "ca", "-batch", "-notext", "-config", "ca.cnf", "-in", "client.csr", "-out", "client.crt",
                "-startdate", start, "-enddate", end);
        return new Path[] {dir.resolve("client.crt"), dir.resolve("client.key")};
    }

    private String awaitStatus(Agent agent, String fragment) throws InterruptedException {
        return Await.until("link status containing '" + fragment + "'",
                () -> agent.linkStatus().contains(fragment) ? agent.linkStatus() : null, CONNECT, agent::linkStatus);
    }

    /** An operator's client on the TLS listener, logged in as 'operator'. */
    private MqttClient operator(String clientId) throws Exception {
        MqttClient client = new MqttClient(TLS_URL, clientId, new MemoryPersistence());
        client.connect(options("operator", new TlsFiles.Settings(TLS.resolve("ca.crt"), null, null)));
        return client;
    }

    private static MqttConnectionOptions options(String user, TlsFiles.Settings tls) throws Exception {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setUserName(user);
        options.setPassword(passwords.get(user).getBytes(StandardCharsets.UTF_8));
        options.setSocketFactory(TlsFiles.context(tls).getSocketFactory());
        options.setConnectionTimeout(10);
        return options;
    }

    /** Every message the client receives goes into the map (topic to payload). */
    private static void collect(MqttClient client, Map<String, String> into) {
        client.setCallback(OnMessage.callback((topic, message) -> {
            into.put(topic, new String(message.getPayload(), StandardCharsets.UTF_8));
        }));
    }

    private static void close(MqttClient client) {
        try {
            client.disconnect();
            client.close();
        } catch (MqttException e) {
            // best effort
        }
    }

    @Test
    void tlsWithPasswordConnectsAnnouncesOnlineAndTakesDocuments() throws Exception {
        device = new TestDevice("berth-dev-a");
        MqttClient operator = operator("it-op-" + device.prefix());
        Map<String, String> seen = new ConcurrentHashMap<>();
        collect(operator, seen);
        operator.subscribe(device.prefix() + "/berth-dev-a/#", 1);
        try {
            Agent agent = device.startAgent(TLS_URL, Map.of(
                    "BERTH_MQTT_TLS_CA_FILE", TLS.resolve("ca.crt").toString(),
                    "BERTH_MQTT_USERNAME", "berth-dev-a",
                    "BERTH_MQTT_PASSWORD", passwords.get("berth-dev-a")));
            awaitStatus(agent, "connected to ssl://");
            operator.publish(device.prefix() + "/berth-dev-a/desired",
                    "{\"revision\": 1, \"services\": {}}".getBytes(StandardCharsets.UTF_8), 1, true);
            String reported = Await.until("a converged report through the TLS broker", () -> {
                String text = seen.getOrDefault(device.prefix() + "/berth-dev-a/reported", "");
                return text.contains("\"applied\":1") && text.contains("\"converged\"") ? text : null;
            }, CONNECT, seen::toString);
            assertTrue(reported.contains("\"device\":\"berth-dev-a\""));
            assertTrue(seen.get(device.prefix() + "/berth-dev-a/online").contains("\"online\":true"));
            assertTrue(!agent.latestReport().contains(passwords.get("berth-dev-a")), "no password in the report");
        } finally {
            for (String suffix : List.of("desired", "reported", "online")) {
                operator.publish(device.prefix() + "/berth-dev-a/" + suffix, new byte[0], 1, true);
            }
            close(operator);
        }
    }

    @Test
    void mutualTlsWithAClientCertificateConnects() throws Exception {
        device = new TestDevice();
        Path[] cert = clientCertificate(device.id, TLS.resolve("ca.crt"), TLS.resolve("ca.key"), "200101000000Z",
                "491231000000Z");
        Agent agent = device.startAgent(MTLS_URL, Map.of(
                "BERTH_MQTT_TLS_CA_FILE", TLS.resolve("ca.crt").toString(),
                "BERTH_MQTT_TLS_CERT_FILE", cert[0].toString(),
                "BERTH_MQTT_TLS_KEY_FILE", cert[1].toString()));
        awaitStatus(agent, "connected to ssl://127.0.0.1:8884");
        // doctor's broker TLS check uses the link's CA and client certificate, not the JVM's trust store
        var diagnosis = agent.actions().diagnose();
        assertTrue("ok".equals(diagnosis.path("tls").path("level").asText()), diagnosis.toString());
    }

    @Test
    void aBrokerSignedByAnotherCaIsNotTrusted() throws Exception {
        device = new TestDevice();
        openssl(temp, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Other CA",
                "-keyout", "other.key", "-out", "other.crt");
        Agent agent = device.startAgent(TLS_URL, Map.of(
                "BERTH_MQTT_TLS_CA_FILE", temp.resolve("other.crt").toString(),
                "BERTH_MQTT_USERNAME", "berth-dev-a",
                "BERTH_MQTT_PASSWORD", passwords.get("berth-dev-a")));
        String status = awaitStatus(agent, "not connected:");
        assertTrue(status.contains("not trusted") && status.contains("other.crt"), status);
    }

    @Test
    void anExpiredClientCertificateIsNamedAsTheCause() throws Exception {
        device = new TestDevice();
        Path[] cert = clientCertificate(device.id, TLS.resolve("ca.crt"), TLS.resolve("ca.key"), "200101000000Z",
                "200201000000Z");
        Agent agent = device.startAgent(MTLS_URL, Map.of(
                "BERTH_MQTT_TLS_CA_FILE", TLS.resolve("ca.crt").toString(),
                "BERTH_MQTT_TLS_CERT_FILE", cert[0].toString(),
                "BERTH_MQTT_TLS_KEY_FILE", cert[1].toString()));
        String status = awaitStatus(agent, "not connected:");
        assertTrue(status.contains("expired"), status);
    }

    @Test
    void aClientCertificateFromAnotherCaIsRefusedByTheBroker() throws Exception {
        device = new TestDevice();
        openssl(temp, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Rogue CA",
                "-keyout", "rogue.key", "-out", "rogue.crt");
        Path[] cert = clientCertificate(device.id, temp.resolve("rogue.crt"), temp.resolve("rogue.key"),
                "200101000000Z", "491231000000Z");
        Agent agent = device.startAgent(MTLS_URL, Map.of(
                "BERTH_MQTT_TLS_CA_FILE", TLS.resolve("ca.crt").toString(),
                "BERTH_MQTT_TLS_CERT_FILE", cert[0].toString(),
                "BERTH_MQTT_TLS_KEY_FILE", cert[1].toString()));
        String status = awaitStatus(agent, "not connected:");
        assertTrue(status.contains("certificate"), status);
    }

    @Test
    void aWrongPasswordIsNamedAsTheCause() throws Exception {
        device = new TestDevice("berth-dev-a");
        Agent agent = device.startAgent(TLS_URL, Map.of(
                "BERTH_MQTT_TLS_CA_FILE", TLS.resolve("ca.crt").toString(),
                "BERTH_MQTT_USERNAME", "berth-dev-a",
                "BERTH_MQTT_PASSWORD", "not-the-password"));
        String status = awaitStatus(agent, "not connected:");
        assertTrue(status.contains("user name or password"), status);
        assertTrue(!status.contains("not-the-password"), "the password is not echoed");
    }

    @Test
    void theAclKeepsEachDeviceToItsOwnTopics() throws Exception {
        String prefix = "berth-acl" + Long.toHexString(System.nanoTime());
        TlsFiles.Settings tls = new TlsFiles.Settings(TLS.resolve("ca.crt"), null, null);
        MqttClient operator = operator("it-op-" + prefix);
        MqttClient deviceA = new MqttClient(TLS_URL, "berth-dev-a-" + prefix, new MemoryPersistence());
        deviceA.connect(options("berth-dev-a", tls));
        Map<String, String> seenByA = new ConcurrentHashMap<>();
        Map<String, String> seenByOperator = new ConcurrentHashMap<>();
        try {
            collect(operator, seenByOperator);
            operator.subscribe(prefix + "/#", 1);
            operator.publish(prefix + "/berth-dev-a/desired", "for-a".getBytes(StandardCharsets.UTF_8), 1, true);
            operator.publish(prefix + "/berth-dev-b/desired", "for-b".getBytes(StandardCharsets.UTF_8), 1, true);
            collect(deviceA, seenByA);
            deviceA.subscribe(prefix + "/berth-dev-a/desired", 1);
            deviceA.subscribe(prefix + "/berth-dev-b/desired", 1);
            deviceA.publish(prefix + "/berth-dev-a/reported", "a-own".getBytes(StandardCharsets.UTF_8), 1, false);
            try {
                deviceA.publish(prefix + "/berth-dev-b/reported", "a-forged".getBytes(StandardCharsets.UTF_8), 1,
                        false);
            } catch (MqttException refused) {
                // MQTT 5 brokers may answer the forged publish with 'not authorized'
            }
            Await.until("device a's own desired and report", () -> seenByA.containsKey(prefix + "/berth-dev-a/desired")
                    && seenByOperator.containsKey(prefix + "/berth-dev-a/reported"), CONNECT,
                    () -> seenByA + " / " + seenByOperator);
            Thread.sleep(1000);
            assertTrue(!seenByA.containsKey(prefix + "/berth-dev-b/desired"), "a cannot read b's desired: " + seenByA);
            assertTrue(!seenByOperator.containsKey(prefix + "/berth-dev-b/reported"),
                    "a cannot publish b's report: " + seenByOperator);
            assertEquals("a-own", seenByOperator.get(prefix + "/berth-dev-a/reported"));
        } finally {
            operator.publish(prefix + "/berth-dev-a/desired", new byte[0], 1, true);
            operator.publish(prefix + "/berth-dev-b/desired", new byte[0], 1, true);
            close(deviceA);
            close(operator);
        }
    }
}
