package io.berth.spec;

import java.util.ArrayDeque;
import java.util.Deque;

/** Absolute host paths as text, without touching the file system: normalization and containment. */
public final class HostPath {
    private HostPath() {}

    /** {@code /a/./b/../c/} becomes {@code /a/c}; {@code ..} stops at the root. */
    public static String normalize(String path) {
        Deque<String> parts = new ArrayDeque<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(part);
            }
        }
        return "/" + String.join("/", parts);
    }

    /** Whether {@code path} is {@code dir} or inside it (both normalized). */
    public static boolean under(String path, String dir) {
        return dir.equals("/") || path.equals(dir) || path.startsWith(dir + "/");
    }
}
