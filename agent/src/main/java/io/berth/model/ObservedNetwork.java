package io.berth.model;

/**
 * A network the engine has.
 *
 * @param managed whether this agent created it (its ownership labels)
 * @param inUse   whether any container is attached to it
 */
public record ObservedNetwork(String name, boolean managed, boolean inUse) {
}
