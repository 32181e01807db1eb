package io.berth.model;

/** The labels Berth puts on everything it creates (PROTOCOL.md §8). */
public final class Labels {
    public static final String MANAGED = "berth.managed";
    public static final String SERVICE = "berth.service";
    public static final String HASH = "berth.hash";
    public static final String REVISION = "berth.revision";

    private Labels() {}
}
