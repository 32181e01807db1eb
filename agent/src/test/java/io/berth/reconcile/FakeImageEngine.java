package io.berth.reconcile;

import io.berth.engine.Engine;
import io.berth.engine.LocalImage;
import io.berth.engine.PullProgress;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/** The image half of an engine, in memory: what pulls and image GC call. Anything else fails the test. */
final class FakeImageEngine {
    final Map<String, LocalImage> images = new LinkedHashMap<>();
    final Set<String> inUse = new HashSet<>();
    final Set<String> refused = new HashSet<>();
    final List<String> removed = new ArrayList<>();
    final List<String> pulls = new ArrayList<>();
    /** What a pull reports, and the image it then holds (by reference). */
    final List<PullProgress> progress = new ArrayList<>();
    final Map<String, LocalImage> registry = new LinkedHashMap<>();
    String dataRoot = "/";
    /** Called after every removal (a test frees disk here). */
    Consumer<LocalImage> onRemove = image -> { };

    void add(String id, long size, String... tags) {
        images.put(id, new LocalImage(id, size, List.of(tags)));
    }

    private LocalImage find(String reference) {
        LocalImage byId = images.get(reference);
        if (byId != null) {
            return byId;
        }
        return images.values().stream().filter(i -> i.tags().contains(reference)).findFirst().orElse(null);
    }

    @SuppressWarnings("unchecked")
    Engine engine() {
        return (Engine) Proxy.newProxyInstance(Engine.class.getClassLoader(), new Class<?>[] {Engine.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "image":
                            return find((String) args[0]);
                        case "imagesInUse":
                            return Set.copyOf(inUse);
                        case "removeImage": {
                            String id = (String) args[0];
                            if (refused.contains(id)) {
                                return false;
                            }
                            LocalImage gone = images.remove(id);
                            removed.add(id);
                            if (gone != null) {
                                onRemove.accept(gone);
                            }
                            return true;
                        }
                        case "dataRoot":
                            return dataRoot;
                        case "pull": {
                            String image = (String) args[0];
                            pulls.add(image);
                            if (args.length == 3) {
                                progress.forEach(((Consumer<PullProgress>) args[2]));
                            }
                            LocalImage pulled = registry.get(image);
                            if (pulled != null) {
                                // the tag moves to the pulled image
                                images.replaceAll((id, i) -> new LocalImage(i.id(), i.sizeBytes(),
                                        i.tags().stream().filter(t -> !t.equals(image)).toList()));
                                images.put(pulled.id(), pulled);
                            }
                            return null;
                        }
                        case "toString":
                            return "FakeImageEngine";
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }
}
