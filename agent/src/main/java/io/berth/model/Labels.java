package io.berth.model;

import java.util.Map;

/** The labels Berth puts on everything it creates (PROTOCOL.md §8). */
public final class Labels {
    public static final String MANAGED = "berth.managed";
    public static final String SERVICE = "berth.service";
    public static final String HASH = "berth.hash";
    public static final String REVISION = "berth.revision";
    /** On an anonymous volume Berth created for a container: the path it is mounted at. */
    public static final String ANONYMOUS = "berth.anonymous";
    /**
     * Berth's addition to §8: the device id of the agent that created the object. An agent owns
     * only what carries its own id, so two agents on one engine (tests, a demo beside a test run)
     * never touch each other's containers.
     */
    public static final String DEVICE = "berth.device";

    private Labels() {}

    /** The labels that mark an object as created by the agent of this device. */
    public static Map<String, String> ownership(String deviceId) {
        return java.util.Map.of(MANAGED, "true", DEVICE, deviceId);
    }

    /** Whether an object with these labels belongs to the agent whose ownership labels are given. */
    public static boolean owned(Map<String, String> labels, Map<String, String> ownership) {
        return labels != null && ownership.entrySet().stream()
                .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
}
