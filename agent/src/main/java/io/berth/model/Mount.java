package io.berth.model;

/**
 * A service mount in canonical form: a named or anonymous volume, a host path, or a tmpfs.
 * A bind {@code source} starting with {@code ./} is relative to the device's data root and
 * resolved by the agent when it creates the container.
 *
 * @param source      the volume's engine name ("" for an anonymous volume), the host path, or "" for tmpfs
 * @param propagation null, or rprivate, private, rshared, shared, rslave, slave (binds)
 * @param selinux     null, {@code z} or {@code Z} (binds)
 * @param noCopy      volumes: do not copy the image's content into a new volume
 * @param tmpfsSize   tmpfs: bytes, null = the engine's default
 * @param tmpfsMode   tmpfs: file mode, null = the engine's default
 */
public record Mount(Type type, String source, String target, boolean readOnly, String propagation, String selinux,
                    boolean noCopy, Long tmpfsSize, Integer tmpfsMode) {

    public enum Type {
        VOLUME,
        BIND,
        TMPFS
    }

    public Mount(Type type, String source, String target, boolean readOnly) {
        this(type, source, target, readOnly, null, null, false, null, null);
    }

    /** Whether this is a bind under the data root ({@code ./path}). */
    public boolean relative() {
        return type == Type.BIND && source.startsWith("./");
    }

    public Mount withSource(String newSource) {
        return new Mount(type, newSource, target, readOnly, propagation, selinux, noCopy, tmpfsSize, tmpfsMode);
    }

    /** The engine's bind syntax, {@code source:target[:options]}; also the mount's canonical text for hashing. */
    public String bindSpec() {
        StringBuilder options = new StringBuilder(readOnly ? "ro" : "");
        for (String option : new String[] {selinux, propagation, noCopy ? "nocopy" : null}) {
            if (option != null) {
                options.append(options.length() == 0 ? "" : ",").append(option);
            }
        }
        if (type == Type.TMPFS) {
            return target + tmpfsOptions(options);
        }
        return source + ":" + target + (options.length() == 0 ? "" : ":" + options);
    }

    /** The engine's tmpfs options: {@code ro,size=…,mode=…}; "" for none. */
    public String tmpfsOptions() {
        return tmpfsOptions(new StringBuilder(readOnly ? "ro" : "")).replaceFirst("^:", "");
    }

    private String tmpfsOptions(StringBuilder options) {
        if (tmpfsSize != null) {
            options.append(options.length() == 0 ? "" : ",").append("size=").append(tmpfsSize);
        }
        if (tmpfsMode != null) {
            options.append(options.length() == 0 ? "" : ",").append("mode=").append(Integer.toOctalString(tmpfsMode));
        }
        return options.length() == 0 ? "" : ":" + options;
    }
}
