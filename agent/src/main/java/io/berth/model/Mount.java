package io.berth.model;

/** A service mount in canonical form: a named volume or an absolute host path. */
public record Mount(Type type, String source, String target, boolean readOnly) {

    public enum Type {
        VOLUME,
        BIND
    }

    /** The engine's bind syntax, {@code source:target[:ro]}. */
    public String bindSpec() {
        return source + ":" + target + (readOnly ? ":ro" : "");
    }
}
