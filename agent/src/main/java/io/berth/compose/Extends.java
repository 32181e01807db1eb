package io.berth.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.spec.SpecError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Compose's {@code extends}: a service built on another of the same file ({@code extends: web}
 * or {@code {service: web}}) or of another file ({@code {file: common.yml, service: web}}),
 * merged with {@link ComposeMerge#service}: the extending service's keys win.
 */
final class Extends {

    private Extends() {}

    static void resolve(ObjectNode doc, Path file, ComposeProject.Loader loader) throws IOException {
        JsonNode services = doc.get("services");
        if (!(services instanceof ObjectNode all)) {
            return;
        }
        List<String> names = new ArrayList<>();
        all.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            resolveOne(all, name, file, loader, new LinkedHashSet<>());
        }
    }

    private static void resolveOne(ObjectNode services, String name, Path file, ComposeProject.Loader loader,
                                   Set<String> chain) throws IOException {
        JsonNode node = services.get(name);
        String path = "services." + name + ".extends";
        if (chain.contains(file + "#" + name)) {
            loader.errors.add(new SpecError(path, "extends goes round in a circle: " + String.join(" -> ", chain)));
            return;
        }
        if (!(node instanceof ObjectNode service) || !service.has("extends")) {
            return;
        }
        chain.add(file + "#" + name);
        JsonNode ext = service.remove("extends");
        String base = ext.isTextual() ? ext.asText() : ext.path("service").asText(null);
        String other = ext.isObject() && ext.path("file").isTextual() ? ext.get("file").asText() : null;
        if (base == null) {
            loader.errors.add(new SpecError(path, "must name a service: extends: NAME or {service: NAME, file: FILE}"));
            return;
        }
        JsonNode parent;
        if (other == null) {
            resolveOne(services, base, file, loader, chain);
            parent = services.get(base);
        } else {
            Path otherFile = file.getParent().resolve(other);
            if (!Files.isRegularFile(otherFile)) {
                loader.errors.add(new SpecError(path + ".file", "cannot read " + otherFile + ": no such file"));
                return;
            }
            parent = loader.servicesOf(otherFile, chain).get(base); // chain grows with each file: bounded
        }
        if (parent == null || !parent.isObject()) {
            loader.errors.add(new SpecError(path, "service '" + base + "' is not defined in "
                    + (other == null ? "this file" : other)));
            return;
        }
        ObjectNode merged = ComposeMerge.service(parent, service);
        merged.remove("extends");
        services.set(name, merged);
        chain.remove(file + "#" + name);
    }
}
