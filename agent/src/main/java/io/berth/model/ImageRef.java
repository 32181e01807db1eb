package io.berth.model;

/** Splits image references the way the engine does. */
public final class ImageRef {
    private ImageRef() {}

    /** The registry host of an image reference; {@code docker.io} when it names none. */
    public static String registryOf(String image) {
        int slash = image.indexOf('/');
        if (slash < 0) {
            return "docker.io";
        }
        String first = image.substring(0, slash);
        boolean isHost = first.contains(".") || first.contains(":") || first.equals("localhost");
        return isHost ? first : "docker.io";
    }

    /** The repository part: everything before the tag or digest. */
    public static String repositoryOf(String image) {
        int at = image.indexOf('@');
        if (at >= 0) {
            return image.substring(0, at);
        }
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/') ? image.substring(0, colon) : image;
    }

    /** The tag or digest; {@code latest} when the reference has neither. */
    public static String tagOf(String image) {
        int at = image.indexOf('@');
        if (at >= 0) {
            return image.substring(at + 1);
        }
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/') ? image.substring(colon + 1) : "latest";
    }
}
