package io.berth.model;

/**
 * A volume the engine has, managed or not.
 *
 * @param anonymous whether it is an anonymous volume of a service's container (image {@code VOLUME}
 *                  or {@code volumes: ["/data"]}), which the agent created and labelled for it
 */
public record ObservedVolume(String name, boolean managed, String service, boolean anonymous) {

    public ObservedVolume(String name, boolean managed, String service) {
        this(name, managed, service, false);
    }
}
