package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.Mount;
import io.berth.model.PortBinding;
import io.berth.model.RestartPolicy;
import io.berth.model.RunState;
import io.berth.model.ServiceOptions;
import io.berth.model.ServiceSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One service while its keys are read: what they set so far, the reader that collects errors,
 * and the document's names that keys refer to. The key readers of {@link ServiceKeys} fill it;
 * {@link ServiceReader} turns it into a {@link ServiceSpec}.
 */
final class ServiceDraft {
    private static final Pattern HOSTNAME = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9.-]{0,252})?");

    final Reader r;
    final DocumentContext doc;
    final String name;
    /** The service's own map, for keys that look at their siblings ({@code build} beside {@code image}). */
    final JsonNode node;
    String image;
    String containerName;
    List<String> command;
    List<String> entrypoint;
    SortedMap<String, String> environment = new TreeMap<>();
    List<PortBinding> ports = new ArrayList<>();
    List<Mount> mounts = new ArrayList<>();
    RestartPolicy restart;
    /** {@code deploy.restart_policy}, used where {@code restart} is not set (as Compose does). */
    RestartPolicy deployRestart;
    RunState state = RunState.RUNNING;
    final ServiceOptions.Builder out = new ServiceOptions.Builder();
    /** The services this one refers to (links, volumes_from, network_mode, ipc, pid, depends_on), for cycles. */
    final Set<String> referenced = new TreeSet<>();

    ServiceDraft(Reader r, DocumentContext doc, String name, JsonNode node) {
        this.r = r;
        this.doc = doc;
        this.name = name;
        this.node = node;
        this.containerName = name;
    }

    /** The container name of another service of the document, recorded as a reference; null with an error. */
    String serviceContainer(String path, String service, String key) {
        String container = doc.containers.get(service);
        if (container == null) {
            r.error(path, "'" + service + "' in " + key + " is not a service of this document: name one of "
                    + (doc.containers.isEmpty() ? "its services"
                    : String.join(", ", new TreeSet<>(doc.containers.keySet()))));
            return null;
        }
        if (service.equals(name)) {
            r.error(path, "service '" + name + "' cannot name itself in " + key);
            return null;
        }
        referenced.add(service);
        return container;
    }

    /** {@code ipc}, {@code pid}: one of {@code allowed}, or {@code service:NAME} as {@code container:CONTAINER}. */
    String sharedMode(String path, JsonNode value, Set<String> allowed) {
        String mode = r.string(path, value);
        if (mode == null) {
            return null;
        }
        if (allowed.contains(mode)) {
            return mode;
        }
        if (mode.startsWith("service:")) {
            String container = serviceContainer(path, mode.substring(8), path.substring(path.lastIndexOf('.') + 1));
            return container == null ? null : "container:" + container;
        }
        r.error(path, "'" + mode + "' is not taken: use " + String.join(", ", new TreeSet<>(allowed))
                + " or service:NAME");
        return null;
    }

    String hostname(String path, JsonNode value) {
        String host = r.string(path, value);
        if (host != null && !HOSTNAME.matcher(host).matches()) {
            r.error(path, "'" + host + "' is not a host name: letters, digits, '-' and '.'");
            return null;
        }
        return host;
    }

    /** Two keys for one setting (mem_limit and deploy.resources.limits.memory): equal or an error. */
    <T> T merge(String path, T before, T now, String other) {
        if (before != null && now != null && !before.equals(now)) {
            r.error(path, "disagrees with " + other + " of the same service: set one of them");
        }
        return now != null ? now : before;
    }
}
