package io.berth.spec;

import io.berth.model.PortBinding;
import io.berth.model.ServiceSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** What must hold between the services of a document: unique container names, no host port twice, no cycles. */
final class DocumentChecks {

    private DocumentChecks() {}

    static void all(Reader r, DocumentContext doc, Map<String, ServiceSpec> services) {
        containerNamesUnique(r, services);
        portClashes(r, doc.publishedPorts);
        cycles(r, doc.references);
    }

    static void containerNamesUnique(Reader r, Map<String, ServiceSpec> services) {
        Map<String, String> owners = new TreeMap<>();
        services.forEach((name, spec) -> {
            String other = owners.putIfAbsent(spec.containerName(), name);
            if (other != null) {
                // blame the service that chose the name with container_name
                boolean thisOneChose = !spec.containerName().equals(name);
                String culprit = thisOneChose ? name : other;
                String victim = thisOneChose ? other : name;
                r.error("services." + culprit + ".container_name", "container name '" + spec.containerName()
                        + "' is already used by service '" + victim + "': each container needs its own name");
            }
        });
    }

    static void portClashes(Reader r, List<Map.Entry<String, PortBinding>> published) {
        for (int i = 0; i < published.size(); i++) {
            PortBinding a = published.get(i).getValue();
            if (a.hostPort() == 0) {
                continue;
            }
            for (int j = 0; j < i; j++) {
                PortBinding b = published.get(j).getValue();
                boolean sameIp = a.hostIp().equals(b.hostIp()) || a.hostIp().isEmpty() || b.hostIp().isEmpty()
                        || a.hostIp().equals("0.0.0.0") || b.hostIp().equals("0.0.0.0");
                if (a.hostPort() == b.hostPort() && a.protocol().equals(b.protocol()) && sameIp) {
                    r.error(published.get(i).getKey(), "host port " + (a.hostIp().isEmpty() ? "" : a.hostIp() + ":")
                            + a.hostPort() + "/" + a.protocol() + " is already published by "
                            + published.get(j).getKey() + ": choose another host port");
                    break;
                }
            }
        }
    }

    /** One dependency cycle named is enough: breaking it may break the others. */
    static void cycles(Reader r, Map<String, Set<String>> references) {
        Set<String> done = new HashSet<>();
        for (String start : references.keySet()) {
            if (cycleFrom(r, references, start, new ArrayList<>(), done)) {
                return;
            }
        }
    }

    private static boolean cycleFrom(Reader r, Map<String, Set<String>> references, String service, List<String> stack,
                                     Set<String> done) {
        int at = stack.indexOf(service);
        if (at >= 0) {
            List<String> cycle = new ArrayList<>(stack.subList(at, stack.size()));
            cycle.add(service);
            r.error("services." + service, "dependency cycle " + String.join(" -> ", cycle) + " (through depends_on, "
                    + "links, volumes_from, network_mode, ipc or pid): no service can start first; remove one of them");
            return true;
        }
        if (done.contains(service)) {
            return false;
        }
        stack.add(service);
        for (String next : references.getOrDefault(service, Set.of())) {
            if (cycleFrom(r, references, next, stack, done)) {
                return true;
            }
        }
        stack.remove(stack.size() - 1);
        done.add(service);
        return false;
    }
}
