package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.ServiceOptions.NetworkAttachment;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** The service keys of how a container is reached and what it resolves: networks, links, DNS, exposed ports. */
final class NetworkKeys {
    static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:]*:[0-9a-fA-F:.]*");
    private static final Pattern EXPOSE = Pattern.compile("(\\d+)(?:-(\\d+))?(?:/(tcp|udp|sctp))?");
    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");

    private NetworkKeys() {}

    static void register(Map<String, ServiceKeys.KeyReader> t) {
        t.put("networks", NetworkKeys::networks);
        t.put("network_mode", NetworkKeys::networkMode);
        t.put("links", (s, path, value) -> s.r.list(path, value, false, (p, v) -> {
            String text = s.r.scalar(p, v);
            if (text == null) {
                return;
            }
            String[] parts = text.split(":", -1);
            if (parts.length > 2 || parts[parts.length - 1].isEmpty()) {
                s.r.error(p, "'" + text + "' must be SERVICE or SERVICE:ALIAS");
                return;
            }
            String container = s.serviceContainer(p, parts[0], "links");
            if (container != null) {
                s.out.links.add(container + ":" + (parts.length == 2 ? parts[1] : parts[0]));
            }
        }));
        t.put("expose", (s, path, value) -> s.r.list(path, value, true, (p, v) -> expose(s, p, v)));
        t.put("extra_hosts", NetworkKeys::extraHosts);
        t.put("dns", (s, path, value) -> s.r.list(path, value, true, (p, v) -> {
            String ip = s.r.string(p, v);
            if (ip != null && !IPV4.matcher(ip).matches() && !ip.contains(":")) {
                s.r.error(p, "'" + ip + "' is not an IP address of a DNS server");
            } else if (ip != null) {
                s.out.dns.add(ip);
            }
        }));
        t.put("dns_search", (s, path, value) -> s.out.dnsSearch.addAll(s.r.strings(path, value, true)));
        t.put("dns_opt", (s, path, value) -> s.out.host.dnsOpt.addAll(s.r.strings(path, value, true)));
        t.put("mac_address", (s, path, value) -> {
            String mac = s.r.string(path, value);
            if (mac != null && !MAC.matcher(mac).matches()) {
                s.r.error(path, "'" + mac + "' is not a MAC address: write six hex pairs, e.g. 02:42:ac:11:00:02");
            } else {
                s.out.host.macAddress = mac;
            }
        });
    }

    private static void networkMode(ServiceDraft s, String path, JsonNode value) {
        String mode = s.r.string(path, value);
        if (mode == null) {
            return;
        }
        if (mode.equals("bridge") || mode.equals("host") || mode.equals("none")) {
            s.out.networkMode = mode;
        } else if (mode.startsWith("service:")) {
            String container = s.serviceContainer(path, mode.substring(8), "network_mode");
            s.out.networkMode = container == null ? null : "container:" + container;
        } else if (mode.startsWith("container:")) {
            s.r.error(path, "'" + mode + "': Berth does not join containers it does not manage: use "
                    + "service:NAME with a service of the same document");
        } else {
            s.r.error(path, "'" + mode + "' is not a network mode: use bridge, host, none or service:NAME "
                    + "(for a custom network, use 'networks')");
        }
    }

    private static void networks(ServiceDraft s, String path, JsonNode value) {
        if (value.isNull()) {
            return;
        }
        if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                String key = s.r.string(path + "[" + i + "]", value.get(i));
                if (key != null) {
                    attach(s, path + "[" + i + "]", key, null);
                }
            }
        } else if (value.isObject()) {
            value.fields().forEachRemaining(e -> attach(s, path + "." + e.getKey(), e.getKey(), e.getValue()));
        } else {
            s.r.error(path, "must be a list of network names or a map, found " + Reader.describe(value));
        }
    }

    private static void attach(ServiceDraft s, String path, String key, JsonNode options) {
        Reader r = s.r;
        // 'default' names the default network, declared (to set its options) or not
        String engineName = s.doc.networkNames.getOrDefault(key,
                key.equals(DocumentContext.DEFAULT_NETWORK) ? s.doc.defaultNetworkName() : null);
        if (engineName == null) {
            r.error(path, "network '" + key + "' is not declared: add it under the top-level 'networks'");
            return;
        }
        if (key.equals(DocumentContext.DEFAULT_NETWORK)) {
            s.doc.defaultNetworkUsed = true;
        }
        TreeSet<String> aliases = new TreeSet<>();
        TreeSet<String> linkLocal = new TreeSet<>();
        String[] ip = {null, null};
        Long[] priority = {null};
        if (options != null && !options.isNull()) {
            boolean map = r.fields(path, options, "aliases, ipv4_address, ipv6_address, link_local_ips, priority",
                    (field, p, v) -> {
                        switch (field) {
                            case "aliases" -> r.list(p, v, false, (ip2, v2) -> {
                                String alias = s.hostname(ip2, v2);
                                if (alias != null) {
                                    aliases.add(alias);
                                }
                            });
                            case "ipv4_address" -> {
                                ip[0] = r.string(p, v);
                                if (ip[0] != null && !IPV4.matcher(ip[0]).matches()) {
                                    r.error(p, "'" + ip[0] + "' is not an IPv4 address");
                                }
                            }
                            case "ipv6_address" -> {
                                ip[1] = r.string(p, v);
                                if (ip[1] != null && !IPV6.matcher(ip[1]).matches()) {
                                    r.error(p, "'" + ip[1] + "' is not an IPv6 address");
                                }
                            }
                            case "link_local_ips" -> r.error(p, "Berth cannot give a container link-local "
                                    + "addresses (its engine client does not carry them): remove link_local_ips");
                            case "priority" -> priority[0] = r.integer(p, v, Integer.MIN_VALUE, Integer.MAX_VALUE);
                            default -> r.unknownKey(path, field);
                        }
                    });
            if (!map) {
                return;
            }
        }
        s.out.networks.put(engineName, new NetworkAttachment(aliases, ip[0], ip[1], linkLocal,
                priority[0] == null || priority[0] == 0 ? null : priority[0].intValue()));
    }

    private static void expose(ServiceDraft s, String path, JsonNode value) {
        String text = s.r.scalar(path, value);
        if (text == null) {
            return;
        }
        var m = EXPOSE.matcher(text);
        if (!m.matches()) {
            s.r.error(path, "'" + text + "' is not a port to expose: write PORT[-PORT][/PROTOCOL], e.g. 8080 or "
                    + "53/udp");
            return;
        }
        int low = Integer.parseInt(m.group(1));
        int high = m.group(2) == null ? low : Integer.parseInt(m.group(2));
        if (low < 1 || high > 65535 || high < low) {
            s.r.error(path, "port " + text + " is out of range: ports are 1 to 65535");
            return;
        }
        for (int port = low; port <= high; port++) {
            s.out.expose.add(port + "/" + (m.group(3) == null ? "tcp" : m.group(3)));
        }
    }

    private static void extraHosts(ServiceDraft s, String path, JsonNode value) {
        if (value.isObject()) {
            value.fields().forEachRemaining(e -> {
                String ip = s.r.scalar(path + "." + e.getKey(), e.getValue());
                if (ip != null) {
                    s.out.extraHosts.add(e.getKey() + ":" + ip);
                }
            });
            return;
        }
        s.r.list(path, value, false, (p, v) -> {
            String text = s.r.string(p, v);
            if (text == null) {
                return;
            }
            int sep = text.indexOf('=');
            sep = sep < 0 ? text.indexOf(':') : sep;
            if (sep <= 0 || sep == text.length() - 1) {
                s.r.error(p, "'" + text + "' must be HOST:IP, e.g. somehost:192.168.1.10");
                return;
            }
            s.out.extraHosts.add(text.substring(0, sep) + ":" + text.substring(sep + 1));
        });
    }
}
