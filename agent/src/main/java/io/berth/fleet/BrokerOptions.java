package io.berth.fleet;

import io.berth.cli.Args;
import io.berth.link.OperatorConnection;
import io.berth.link.TlsFiles;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * How an operator verb reaches the broker, as the agent does (PROTOCOL.md §10): a broker list,
 * login and TLS/mTLS files from options or the agent's environment variables (options win);
 * the password only from the environment, never the command line.
 */
public record BrokerOptions(OperatorConnection.Settings settings, String prefix) {

    /** The value options every operator verb takes. */
    public static final Set<String> OPTIONS = Set.of("--broker", "--prefix", "--username", "--ca-file", "--cert-file",
            "--key-file");

    public static final String HELP = """
              --broker URL[,URL…]  the broker, or the nodes of a cluster: the first that
                                   answers (BERTH_MQTT_URL; tcp:// or ssl://); MQTT 5,
                                   else 3.1.1
              --prefix P           the topic prefix (BERTH_TOPIC_PREFIX, else berth)
              --username U         the login (BERTH_MQTT_USERNAME); the password only
                                   from BERTH_MQTT_PASSWORD
              --ca-file, --cert-file, --key-file FILE
                                   PEM files for ssl:// and mTLS (BERTH_MQTT_TLS_CA_FILE,
                                   …_CERT_FILE, …_KEY_FILE)
            """;

    public static BrokerOptions from(Args a, Map<String, String> env) throws Args.UsageException {
        String urls = pick(a, "--broker", env, "BERTH_MQTT_URL", "tcp://127.0.0.1:1883");
        String prefix = pick(a, "--prefix", env, "BERTH_TOPIC_PREFIX", "berth");
        String password = env.get("BERTH_MQTT_PASSWORD");
        TlsFiles.Settings tls = new TlsFiles.Settings(path(a, "--ca-file", env, "BERTH_MQTT_TLS_CA_FILE"),
                path(a, "--cert-file", env, "BERTH_MQTT_TLS_CERT_FILE"),
                path(a, "--key-file", env, "BERTH_MQTT_TLS_KEY_FILE"));
        try {
            return new BrokerOptions(new OperatorConnection.Settings(OperatorConnection.Settings.splitUrls(urls),
                    pick(a, "--username", env, "BERTH_MQTT_USERNAME", null),
                    password == null || password.isEmpty() ? null : password.toCharArray(), tls), prefix);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
    }

    private static String pick(Args a, String option, Map<String, String> env, String variable, String fallback) {
        String v = a.value(option);
        if (v == null || v.isEmpty()) {
            v = env.get(variable);
        }
        return v == null || v.isEmpty() ? fallback : v;
    }

    private static Path path(Args a, String option, Map<String, String> env, String variable) {
        String v = pick(a, option, env, variable, null);
        return v == null ? null : Path.of(v);
    }
}
