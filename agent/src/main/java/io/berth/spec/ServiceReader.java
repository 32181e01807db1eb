package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.RestartPolicy;
import io.berth.model.ServiceOptions;
import io.berth.model.ServiceOptions.NetworkAttachment;
import io.berth.model.ServiceSpec;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Reads one service: each key through {@link ServiceKeys}' table, then what holds between its keys. */
final class ServiceReader {
    static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}");

    private ServiceReader() {}

    /** The service's spec, or null when it has errors (collected in {@code r}). */
    static ServiceSpec read(Reader r, DocumentContext doc, String name, JsonNode node) {
        String path = "services." + name;
        int errorsBefore = r.errors.size();
        if (!NAME.matcher(name).matches()) {
            r.error(path, "'" + name + "' is not a valid service name: start with a letter or digit, "
                    + "then letters, digits, '_', '.', '-'");
        }
        if (node == null || !node.isObject()) {
            r.error(path, "must be a map of service options, found " + Reader.describe(node));
            return null;
        }
        ServiceDraft s = new ServiceDraft(r, doc, name, node);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!field.getKey().startsWith("x-")) {
                ServiceKeys.read(s, field.getKey(), path + "." + field.getKey(), field.getValue());
            }
        }
        if (s.image == null && !node.has("image") && !node.has("build")) {
            r.error(path + ".image", "missing: every service needs an 'image' to pull and run");
        }
        if (!node.has("container_name") && NAME.matcher(name).matches()
                && !BasicKeys.CONTAINER_NAME.matcher(name).matches()) {
            r.error(path, "'" + name + "' would be the container's name, and the engine refuses one-character "
                    + "names: rename the service or set container_name");
        }
        if (s.restart == null && s.deployRestart != null) {
            s.restart = s.deployRestart;
        } else if (s.restart != null && s.deployRestart != null && !s.restart.equals(s.deployRestart)) {
            r.warning(path + ".deploy.restart_policy", "ignored: 'restart' of the same service wins, as in Compose");
        }
        ServiceOptions.Builder out = s.out;
        if (out.networkMode != null && !out.networks.isEmpty()) {
            r.error(path + ".network_mode", "a service with 'networks' cannot also set network_mode: keep one");
        }
        if (out.networks.isEmpty() && out.networkMode == null) {
            // as Compose: a service that names no network joins the project's default network
            out.networks.put(doc.networkNames.getOrDefault(DocumentContext.DEFAULT_NETWORK, doc.defaultNetworkName()),
                    new NetworkAttachment(new TreeSet<>(), null));
            doc.defaultNetworkUsed = true;
        }
        if (out.networkMode != null && !out.networkMode.equals("bridge") && !s.ports.isEmpty()
                && !out.networkMode.startsWith("container:") && !out.networkMode.equals("none")) {
            r.warning(path + ".ports", "ignored by the engine with network_mode " + out.networkMode
                    + ": the service uses the host's ports directly");
        }
        doc.references.put(name, new TreeSet<>(s.referenced));
        if (r.errors.size() > errorsBefore) {
            return null;
        }
        return new ServiceSpec(name, s.containerName, s.image, s.command, s.entrypoint, s.environment, s.ports,
                s.mounts, s.restart == null ? RestartPolicy.NO : s.restart, s.state, out.build());
    }
}
