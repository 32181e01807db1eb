package io.berth.model;

/** A volume the engine has, managed or not. */
public record ObservedVolume(String name, boolean managed, String service) {
}
