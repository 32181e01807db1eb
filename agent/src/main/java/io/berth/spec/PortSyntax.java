package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.PortBinding;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A service's {@code ports}, in Compose's short syntax ({@code [IP:][HOST:]CONTAINER[/PROTO]},
 * ranges, a bare number) and long syntax ({@code target}, {@code published}, {@code host_ip},
 * {@code protocol}). Every binding is also recorded in the document for the clash check.
 */
final class PortSyntax {
    private static final Pattern PORT_SPEC = Pattern.compile(
            "^(?:(?<ip>\\[[0-9a-fA-F:.]+]|\\d{1,3}(?:\\.\\d{1,3}){3}):)?(?:(?<host>\\d*(?:-\\d+)?):)?"
                    + "(?<container>\\d+(?:-\\d+)?)(?:/(?<proto>\\w+))?$");

    private PortSyntax() {}

    static void read(ServiceDraft s, String path, JsonNode value) {
        if (value.isNull()) {
            return;
        }
        if (!value.isArray()) {
            s.r.error(path, "must be a list, found " + Reader.describe(value));
            return;
        }
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            String itemPath = path + "[" + i + "]";
            if (item.isIntegralNumber()) {
                if (item.asLong() > 65535) {
                    s.r.error(itemPath, "port " + item.asText() + " is out of range: ports are 1 to 65535; if you "
                            + "wrote HOST:CONTAINER unquoted, a YAML 1.1 tool read it as a base-60 number: quote it, "
                            + "e.g. \"22:22\"");
                    continue;
                }
                add(s, itemPath, "", "", item.asText(), "tcp");
            } else if (item.isTextual()) {
                Matcher m = PORT_SPEC.matcher(item.asText());
                if (!m.matches()) {
                    s.r.error(itemPath, "'" + item.asText() + "' is not a port mapping: write "
                            + "[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], e.g. 127.0.0.1:8080:80");
                    continue;
                }
                String ip = m.group("ip") == null ? "" : m.group("ip").replace("[", "").replace("]", "");
                String proto = m.group("proto") == null ? "tcp" : m.group("proto");
                add(s, itemPath, ip, m.group("host") == null ? "" : m.group("host"), m.group("container"), proto);
            } else if (item.isObject()) {
                readLong(s, itemPath, item);
            } else {
                s.r.error(itemPath, "must be a string such as \"127.0.0.1:8080:80\" or a map (target, published, "
                        + "host_ip, protocol), found " + Reader.describe(item));
            }
        }
    }

    private static void readLong(ServiceDraft s, String path, JsonNode item) {
        String[] target = {null};
        String[] published = {""};
        String[] ip = {""};
        String[] proto = {"tcp"};
        s.r.fields(path, item, "target, published, host_ip, protocol", (key, p, v) -> {
            switch (key) {
                case "target" -> target[0] = v.isIntegralNumber() || v.isTextual() ? v.asText() : null;
                case "published" -> published[0] = v.isIntegralNumber() || v.isTextual() ? v.asText() : null;
                case "host_ip" -> ip[0] = s.r.string(p, v);
                case "protocol" -> proto[0] = s.r.string(p, v);
                case "mode" -> {
                    if (!"host".equals(v.asText()) && !"ingress".equals(v.asText())) {
                        s.r.error(p, "must be host or ingress (both publish on this device)");
                    }
                }
                case "name", "app_protocol" -> s.r.string(p, v);
                default -> s.r.unknownKey(path, key);
            }
        });
        if (target[0] == null) {
            s.r.error(path + ".target", "missing or not a port: the container port is required");
            return;
        }
        if (published[0] == null || ip[0] == null || proto[0] == null) {
            s.r.error(path, "'published', 'host_ip' and 'protocol' must be strings or numbers");
            return;
        }
        String host = ip[0].startsWith("[") && ip[0].endsWith("]") ? ip[0].substring(1, ip[0].length() - 1) : ip[0];
        add(s, path, host, published[0], target[0], proto[0]);
    }

    private static void add(ServiceDraft s, String path, String ip, String host, String container, String proto) {
        if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp")) {
            s.r.error(path, "'" + proto + "' is not a protocol: use tcp, udp or sctp");
            return;
        }
        int[] containerRange = range(s.r, path, container);
        int[] hostRange = host.isEmpty() ? null : range(s.r, path, host);
        if (containerRange == null || (!host.isEmpty() && hostRange == null)) {
            return;
        }
        int count = containerRange[1] - containerRange[0] + 1;
        boolean oneHostRange = hostRange != null && count == 1 && hostRange[1] > hostRange[0];
        if (hostRange != null && hostRange[1] - hostRange[0] + 1 != count && !oneHostRange) {
            s.r.error(path, "the host range " + host + " and the container range " + container
                    + " must have the same length");
            return;
        }
        if (oneHostRange) {
            s.r.error(path, "a host port range for one container port (" + host + ") lets the engine pick any of "
                    + "them: Berth needs one host port per container port; name one");
            return;
        }
        for (int i = 0; i < count; i++) {
            int hostPort = hostRange == null ? 0 : hostRange[0] + i;
            PortBinding binding = new PortBinding(ip.equals("0.0.0.0") ? "" : ip, hostPort, containerRange[0] + i,
                    proto);
            s.ports.add(binding);
            s.doc.publishedPorts.add(Map.entry(path, binding));
        }
    }

    /** {@code 80} or {@code 8000-8010}: the low and high port; null with an error. */
    static int[] range(Reader r, String path, String text) {
        String[] parts = text.split("-", 2);
        try {
            int low = Integer.parseInt(parts[0]);
            int high = parts.length == 2 ? Integer.parseInt(parts[1]) : low;
            if (low < 1 || high > 65535 || high < low) {
                r.error(path, "port " + text + " is out of range: ports are 1 to 65535");
                return null;
            }
            return new int[] {low, high};
        } catch (NumberFormatException e) {
            r.error(path, "'" + text + "' is not a port number");
            return null;
        }
    }
}
