package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.ServiceOptions.Dependency;
import io.berth.model.ServiceOptions.Healthcheck;
import io.berth.model.ServiceOptions.Logging;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/** The service keys of a container's life: its healthcheck, what it waits for, its logs, its hooks. */
final class LifecycleKeys {
    private static final Set<String> CONDITIONS = Set.of("service_started", "service_healthy",
            "service_completed_successfully");
    private static final Set<String> LOG_DRIVERS = Set.of("json-file", "local", "journald", "syslog", "none", "gelf",
            "fluentd", "awslogs", "splunk", "etwlogs", "gcplogs", "logentries", "loki");

    private LifecycleKeys() {}

    static void register(Map<String, ServiceKeys.KeyReader> t) {
        t.put("healthcheck", (s, path, value) -> s.out.healthcheck = healthcheck(s.r, path, value));
        t.put("depends_on", LifecycleKeys::dependsOn);
        t.put("logging", (s, path, value) -> s.out.logging = logging(s.r, path, value));
        // Compose runs these hooks itself (an exec after start, before stop); the engine has no such thing
        ServiceKeys.KeyReader hook = (s, path, value) -> s.r.error(path, "Berth does not run lifecycle hooks: "
                + "Compose runs them itself with an exec after the container starts or before it stops, and "
                + "Berth does not exec into services; run the command from the image's entrypoint (post_start) "
                + "or its stop signal handler (pre_stop)");
        t.put("post_start", hook);
        t.put("pre_stop", hook);
    }

    private static Healthcheck healthcheck(Reader r, String path, JsonNode value) {
        List<List<String>> test = new ArrayList<>(List.of(List.of()));
        Long[] timings = new Long[4]; // interval, timeout, start_period, start_interval
        Integer[] retries = {null};
        boolean[] disable = {false};
        boolean map = r.fields(path, value, "test, interval, timeout, retries, start_period, disable",
                (key, p, v) -> {
                    switch (key) {
                        case "test" -> test.set(0, test(r, p, v));
                        case "interval" -> timings[0] = r.duration(p, v);
                        case "timeout" -> timings[1] = r.duration(p, v);
                        case "start_period" -> timings[2] = r.duration(p, v);
                        case "start_interval" -> timings[3] = r.duration(p, v);
                        case "retries" -> {
                            if (v.isIntegralNumber() && v.asInt() >= 0 && v.canConvertToInt()) {
                                retries[0] = v.asInt();
                            } else {
                                r.error(p, "must be a whole number of 0 or more, found " + Reader.describe(v));
                            }
                        }
                        case "disable" -> disable[0] = r.bool(p, v);
                        default -> r.unknownKey(path, key);
                    }
                });
        if (!map) {
            return null;
        }
        if (disable[0]) {
            return new Healthcheck(List.of("NONE"), null, null, null, null, null);
        }
        return new Healthcheck(test.get(0), timings[0], timings[1], retries[0], timings[2], timings[3]);
    }

    private static List<String> test(Reader r, String p, JsonNode v) {
        if (v.isTextual()) {
            return List.of("CMD-SHELL", v.asText());
        }
        if (!v.isArray() || v.size() == 0) {
            r.error(p, "must be a command string or a list such as [\"CMD\", \"curl\", \"-f\", "
                    + "\"http://localhost\"], found " + Reader.describe(v));
            return List.of();
        }
        List<String> words = new ArrayList<>();
        v.forEach(w -> words.add(w.isValueNode() ? w.asText() : null));
        String first = words.get(0);
        if (words.contains(null)) {
            r.error(p, "must be a list of strings");
        } else if (first.equals("NONE") && words.size() == 1) {
            return words;
        } else if ((first.equals("CMD") || first.equals("CMD-SHELL")) && words.size() > 1) {
            return words;
        } else {
            r.error(p, "a list test starts with CMD or CMD-SHELL and a command, or is [\"NONE\"]");
        }
        return List.of();
    }

    private static void dependsOn(ServiceDraft s, String path, JsonNode value) {
        Reader r = s.r;
        if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                String name = r.string(path + "[" + i + "]", value.get(i));
                if (name != null && s.serviceContainer(path + "[" + i + "]", name, "depends_on") != null) {
                    s.out.dependsOn.put(name, new Dependency("service_started", false, true));
                }
            }
            return;
        }
        if (!value.isObject()) {
            r.error(path, "must be a list of services or a map of service to {condition}, found "
                    + Reader.describe(value));
            return;
        }
        value.fields().forEachRemaining(e -> {
            String p = path + "." + e.getKey();
            if (s.serviceContainer(p, e.getKey(), "depends_on") == null) {
                return;
            }
            String[] condition = {"service_started"};
            boolean[] flags = {false, true}; // restart, required
            JsonNode options = e.getValue();
            if (options != null && !options.isNull()) {
                boolean map = r.fields(p, options, "condition, restart, required", (key, fp, v) -> {
                    switch (key) {
                        case "condition" -> {
                            String c = r.string(fp, v);
                            if (c != null && !CONDITIONS.contains(c)) {
                                r.error(fp, "'" + c + "' is not a condition: use service_started, service_healthy "
                                        + "or service_completed_successfully");
                            } else if (c != null) {
                                condition[0] = c;
                            }
                        }
                        case "restart" -> flags[0] = r.bool(fp, v);
                        case "required" -> flags[1] = r.bool(fp, v);
                        default -> r.unknownKey(p, key);
                    }
                });
                if (!map) {
                    return;
                }
            }
            s.out.dependsOn.put(e.getKey(), new Dependency(condition[0], flags[0], flags[1]));
        });
    }

    private static Logging logging(Reader r, String path, JsonNode value) {
        String[] driver = {"json-file"};
        SortedMap<String, String> options = new TreeMap<>();
        boolean map = r.fields(path, value, "driver, options", (key, p, v) -> {
            switch (key) {
                case "driver" -> {
                    String d = r.string(p, v);
                    if (d != null && !LOG_DRIVERS.contains(d)) {
                        r.error(p, "'" + d + "' is not a logging driver the engine knows: use json-file, local, "
                                + "journald, syslog or none");
                    } else if (d != null) {
                        driver[0] = d;
                    }
                }
                case "options" -> options.putAll(r.keyValues(p, v, false));
                default -> r.unknownKey(path, key);
            }
        });
        return map ? new Logging(driver[0], options) : null;
    }
}
