package io.berth.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.spec.SpecError;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Compose's {@code profiles}: a service with profiles runs only when one of them is active; a
 * service without runs always. The inactive ones leave the document; {@code profiles} keys go too.
 */
final class Profiles {

    private Profiles() {}

    static void apply(ObjectNode doc, Collection<String> active, List<SpecError> errors) {
        JsonNode services = doc.get("services");
        if (!(services instanceof ObjectNode all)) {
            return;
        }
        List<String> left = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!(e.getValue() instanceof ObjectNode service) || !service.has("profiles")) {
                continue;
            }
            JsonNode profiles = service.remove("profiles");
            boolean on = false;
            for (JsonNode p : profiles.isArray() ? profiles : List.of(profiles)) {
                on |= active.contains(p.asText()) || active.contains("*");
            }
            if (!on) {
                left.add(e.getKey());
                it.remove();
            }
        }
        // a running service that needs one left out: Compose refuses this too
        all.fields().forEachRemaining(e -> {
            JsonNode deps = e.getValue().get("depends_on");
            if (deps == null) {
                return;
            }
            List<String> names = new ArrayList<>();
            if (deps.isArray()) {
                deps.forEach(d -> names.add(d.asText()));
            } else {
                deps.fieldNames().forEachRemaining(names::add);
            }
            names.stream().filter(left::contains).forEach(n -> errors.add(new SpecError(
                    "services." + e.getKey() + ".depends_on", "'" + n + "' is left out: its profiles are not active; "
                    + "activate one with --profile or COMPOSE_PROFILES")));
        });
    }
}
