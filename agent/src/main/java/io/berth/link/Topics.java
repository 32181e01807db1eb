package io.berth.link;

/** The MQTT topics of one device (PROTOCOL.md §2). */
public record Topics(String prefix, String deviceId) {

    private String base() {
        return prefix + "/" + deviceId + "/";
    }

    public String desired() {
        return base() + "desired";
    }

    public String reported() {
        return base() + "reported";
    }

    public String online() {
        return base() + "online";
    }

    public String events() {
        return base() + "events";
    }

    /** The filter for every command: {@code {p}/{d}/cmd/+}. */
    public String commands() {
        return base() + "cmd/+";
    }

    public String commandPrefix() {
        return base() + "cmd/";
    }

    public String logs(String service) {
        return base() + "logs/" + service;
    }
}
