package io.berth.sideload;

import java.nio.file.Path;

/** Checks one archive in a JVM of its own (ArchiveMemoryTest runs it with a device's heap). */
public final class CheckMain {
    private CheckMain() {}

    public static void main(String[] args) throws Exception {
        ImageArchive.Contents contents = ImageArchive.check(Path.of(args[0]));
        System.out.println("ok " + contents.images() + " " + contents.layers());
    }
}
