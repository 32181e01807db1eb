package io.berth.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.spec.DocumentReader;
import io.berth.spec.Interpolation;
import io.berth.spec.SpecError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Compose project as the {@code berth} client resolves it before a document leaves it
 * (PROTOCOL.md §3), the way {@code docker compose} does: several files merged in order (with
 * {@code NAME.override.EXT} beside a single file), variables from the environment over the
 * project's {@code .env}, {@code include} and {@code extends} resolved, {@code env_file} read,
 * services of inactive profiles left out ({@code --profile} or {@code COMPOSE_PROFILES}), and
 * {@code configs}/{@code secrets} read from their files or variables into inline content.
 * Used by apply, validate, publish, bundle create and fleet rollouts.
 *
 * @param document the resolved document, ready for the parser
 * @param errors   what failed while resolving, with paths
 * @param warnings unset variables and the like
 * @param files    the files read, in merge order (the override included)
 */
public record ComposeProject(JsonNode document, List<SpecError> errors, List<SpecError> warnings, List<Path> files) {

    /**
     * @param files       the {@code -f} files in order (at least one); a single one brings its override
     * @param profiles    the {@code --profile}s; empty: {@code COMPOSE_PROFILES} from the variables
     * @param environment the client's environment
     * @throws IOException when a file cannot be read at all, or is not YAML or JSON
     */
    public static ComposeProject load(List<Path> files, Collection<String> profiles, Map<String, String> environment)
            throws IOException {
        if (files.isEmpty()) {
            throw new IOException("no Compose file given");
        }
        List<Path> all = new ArrayList<>(files);
        if (files.size() == 1) {
            Path override = overrideOf(files.get(0));
            if (Files.isRegularFile(override)) {
                all.add(override);
            }
        }
        Path dir = files.get(0).toAbsolutePath().getParent();
        Map<String, String> variables = new HashMap<>();
        Path dotEnv = dir.resolve(".env");
        if (Files.isRegularFile(dotEnv)) {
            variables.putAll(EnvFile.read(dotEnv, environment));
        }
        variables.putAll(environment);
        if (all.size() == 1) {
            JsonNode raw = DocumentReader.readFile(all.get(0));
            if (raw == null || !raw.isObject()) {
                // not a map: nothing to resolve; the parser says what it is
                return new ComposeProject(raw, List.of(), List.of(), List.copyOf(all));
            }
        }
        Loader loader = new Loader(variables);
        ObjectNode merged = null;
        for (Path file : all) {
            ObjectNode one = loader.file(file, new LinkedHashSet<>());
            merged = merged == null ? one : ComposeMerge.documents(merged, one);
        }
        Set<String> active = new LinkedHashSet<>(profiles);
        if (active.isEmpty() && variables.get("COMPOSE_PROFILES") != null) {
            Arrays.stream(variables.get("COMPOSE_PROFILES").split(",")).map(String::strip)
                    .filter(p -> !p.isEmpty()).forEach(active::add);
        }
        Profiles.apply(merged, active, loader.errors);
        InlineContent.resolve(merged, dir, variables, loader.errors);
        int size = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(merged).length;
        if (size > io.berth.spec.DocumentParser.MAX_BYTES) {
            loader.errors.add(new SpecError("", "the resolved document has " + size + " bytes, over the 1 MiB a "
                    + "device takes" + (merged.has("configs") || merged.has("secrets") ? " (configs and secrets "
                    + "count, carried inline): put large files in a volume, or ship them in a sideload bundle"
                    : ": split the deployment")));
        }
        return new ComposeProject(merged, loader.errors, loader.warnings, List.copyOf(all));
    }

    /** {@code compose.yaml} → {@code compose.override.yaml}, as Compose pairs them. */
    static Path overrideOf(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String override = dot < 0 ? name + ".override" : name.substring(0, dot) + ".override" + name.substring(dot);
        return file.resolveSibling(override);
    }

    /** Reads one file: interpolated, its includes merged in, its services' extends and env_file resolved. */
    static final class Loader {
        final Map<String, String> variables;
        final List<SpecError> errors = new ArrayList<>();
        final List<SpecError> warnings = new ArrayList<>();

        Loader(Map<String, String> variables) {
            this.variables = variables;
        }

        ObjectNode file(Path file, Set<Path> including) throws IOException {
            Path real = file.toAbsolutePath().normalize();
            if (!including.add(real)) {
                throw new IOException(file + " includes itself (through " + including + ")");
            }
            JsonNode raw = DocumentReader.readFile(file);
            if (raw == null || !raw.isObject()) {
                throw new IOException(file + " does not hold a Compose document (a map with 'services')");
            }
            Interpolation.Result interpolated = Interpolation.apply(raw, variables);
            errors.addAll(interpolated.errors());
            warnings.addAll(interpolated.warnings());
            ObjectNode doc = (ObjectNode) interpolated.document();
            Path dir = real.getParent();
            JsonNode include = doc.remove("include");
            if (include != null && !include.isNull()) {
                doc = includes(doc, include, dir, including);
            }
            Extends.resolve(doc, real, this);
            JsonNode services = doc.get("services");
            if (services != null && services.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> service = it.next();
                    if (service.getValue() instanceof ObjectNode node) {
                        EnvFiles.resolve("services." + service.getKey(), node, dir, variables, errors, warnings);
                    }
                }
            }
            including.remove(real);
            return doc;
        }

        /** Raw services of another file, for {@code extends: {file: …}}: interpolated, extends resolved. */
        ObjectNode servicesOf(Path file, Set<String> extending) throws IOException {
            if (extending.size() > 32) {
                throw new IOException("extends is nested more than 32 services deep at " + file + ": a circle?");
            }
            JsonNode raw = DocumentReader.readFile(file);
            Interpolation.Result interpolated = Interpolation.apply(raw, variables);
            ObjectNode doc = (ObjectNode) interpolated.document();
            Extends.resolve(doc, file.toAbsolutePath().normalize(), this);
            JsonNode services = doc.get("services");
            return services instanceof ObjectNode s ? s : doc.objectNode();
        }

        private ObjectNode includes(ObjectNode doc, JsonNode include, Path dir, Set<Path> including)
                throws IOException {
            List<Path> paths = new ArrayList<>();
            for (JsonNode item : include.isArray() ? include : List.of(include)) {
                JsonNode path = item.isObject() ? item.get("path") : item;
                for (JsonNode p : path != null && path.isArray() ? path : List.of(path == null ? item : path)) {
                    paths.add(dir.resolve(p.asText()));
                }
            }
            ObjectNode base = null;
            for (Path p : paths) {
                ObjectNode included = file(p, including);
                base = base == null ? included : ComposeMerge.documents(base, included);
            }
            JsonNode mine = doc.get("services");
            JsonNode theirs = base.get("services");
            if (mine != null && theirs != null) {
                mine.fieldNames().forEachRemaining(name -> {
                    if (theirs.has(name)) {
                        errors.add(new SpecError("services." + name, "is defined both here and in an included "
                                + "file: rename one, or use extends to build on the other"));
                    }
                });
            }
            return ComposeMerge.documents(base, doc);
        }
    }
}
