package io.berth.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Devices as {@code fleet ls} shows them: a table, or JSON (the console uses the same objects). */
public final class DeviceRows {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DeviceRows() {}

    /** One object per device, as {@code fleet ls --json} prints them (the console uses the same). */
    public static ObjectNode json(Device d, Instant now) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", d.id());
        if (d.online() == null) {
            o.putNull("online");
        } else {
            o.put("online", d.online());
        }
        o.put("phase", d.phase());
        ObjectNode rev = o.putObject("revision");
        rev.put("desired", d.desiredRevision());
        rev.put("applied", d.appliedRevision());
        if (d.goodRevision() >= 0) {
            rev.put("good", d.goodRevision());
        }
        d.failingServices().forEach(o.putArray("failing")::add);
        ObjectNode agent = o.putObject("agent").put("version", d.agentVersion());
        Device.AgentUpdate update = d.agentUpdate();
        if (update == null) {
            agent.putNull("update");
        } else {
            agent.putObject("update").put("revision", update.revision()).put("version", update.version())
                    .put("state", update.state()).put("error", update.error()).put("since", update.since());
        }
        ObjectNode labels = o.putObject("labels");
        d.labels().forEach(labels::put);
        o.put("reportTime", d.reportTime() == null ? null : d.reportTime().toString());
        Duration age = d.reportAge(now);
        if (age == null) {
            o.putNull("reportAgeSeconds");
        } else {
            o.put("reportAgeSeconds", age.toSeconds());
        }
        return o;
    }

    public static String json(List<Device> devices, Instant now) {
        ArrayNode array = JSON.createArrayNode();
        devices.forEach(d -> array.add(json(d, now)));
        return array.toString();
    }

    public static String table(List<Device> devices, Instant now) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"DEVICE", "ONLINE", "PHASE", "DESIRED", "APPLIED", "AGENT", "FAILING", "LABELS",
                "REPORTED"});
        for (Device d : devices) {
            StringBuilder labels = new StringBuilder();
            d.labels().forEach((k, v) -> labels.append(labels.length() == 0 ? "" : ",").append(k).append('=').append(v));
            rows.add(new String[] {d.id(), d.online() == null ? "?" : d.online() ? "yes" : "no",
                    d.phase() == null ? "-" : d.phase(), rev(d.desiredRevision()), rev(d.appliedRevision()),
                    agent(d),
                    d.failingServices().isEmpty() ? "-" : String.join(",", d.failingServices()),
                    labels.length() == 0 ? "-" : labels.toString(), age(d.reportAge(now))});
        }
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder s = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(i == r.length - 1 ? r[i] : String.format("%-" + (width[i] + 2) + "s", r[i]));
            }
            s.append(line.toString().stripTrailing()).append('\n');
        }
        if (devices.isEmpty()) {
            s.append("(no devices)\n");
        }
        return s.toString();
    }

    /** {@code 0.6.0}, or {@code 0.6.0 -> 0.7.0 installing} while an update is under way or failed. */
    private static String agent(Device d) {
        String version = d.agentVersion() == null ? "-" : d.agentVersion();
        Device.AgentUpdate u = d.agentUpdate();
        return u == null ? version : version + " -> " + u.version() + " " + u.state();
    }

    private static String rev(long r) {
        return r == 0 ? "-" : Long.toString(r);
    }

    /** 42s, 5m, 3h, 2d ago; "-" when never. */
    public static String age(Duration d) {
        if (d == null) {
            return "-";
        }
        long s = d.toSeconds();
        return (s < 60 ? s + "s" : s < 3600 ? s / 60 + "m" : s < 86400 ? s / 3600 + "h" : s / 86400 + "d") + " ago";
    }
}
