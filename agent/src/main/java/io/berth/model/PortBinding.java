package io.berth.model;

/**
 * One published port in canonical form. {@code hostPort} 0 means "any free port";
 * {@code hostIp} empty means all interfaces.
 */
public record PortBinding(String hostIp, int hostPort, int containerPort, String protocol) {

    @Override
    public String toString() {
        String host = hostIp.isEmpty() ? "" : hostIp + ":";
        return host + (hostPort == 0 ? "" : hostPort) + ":" + containerPort + "/" + protocol;
    }
}
