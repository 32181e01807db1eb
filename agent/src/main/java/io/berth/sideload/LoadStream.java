package io.berth.sideload;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.berth.sideload.ImageArchive.Contents;
import io.berth.sideload.ImageArchive.Image;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.tinylog.Logger;

/**
 * What the engine gets from a checked archive: its docker save stream rebuilt from the same
 * bytes, with a manifest that tags only what may be tagged. Each tag stays in the manifest
 * entry of the config it was checked with, so it is pinned to that config's digest (the image
 * id); {@code repositories}, {@code index.json} and {@code oci-layout} are left out, so the
 * engine reads tags from that manifest alone.
 */
public final class LoadStream {
    private static final Set<String> TAG_SOURCES = Set.of("manifest.json", "repositories", "index.json", "oci-layout");

    private LoadStream() {}

    /** The images of the manifest with their tags cut to {@code allowed} (null = all); images left without a tag go. */
    public static List<Image> pinned(Contents contents, Set<String> allowed) {
        List<Image> kept = new ArrayList<>();
        for (Image image : contents.manifest()) {
            List<String> tags = image.tags().stream().filter(t -> allowed == null || allowed.contains(t)).toList();
            if (!tags.isEmpty()) {
                kept.add(new Image(image.config(), image.configDigest(), tags, image.layers()));
            }
        }
        return kept;
    }

    /**
     * The rebuilt docker save stream. A thread of its own writes it (the engine reads at its own
     * pace); it ends when the stream is read through or closed.
     */
    public static InputStream open(ArchiveSource source, boolean bundle, List<Image> images) throws IOException {
        ArrayNode manifest = ImageArchive.JSON.createArrayNode();
        for (Image image : images) {
            var entry = manifest.addObject();
            entry.put("Config", image.config());
            entry.set("RepoTags", ImageArchive.JSON.valueToTree(image.tags()));
            entry.set("Layers", ImageArchive.JSON.valueToTree(image.layers()));
        }
        byte[] manifestBytes = ImageArchive.JSON.writeValueAsBytes(manifest);
        PipedInputStream in = new PipedInputStream(256 * 1024);
        PipedOutputStream out = new PipedOutputStream(in);
        AtomicReference<IOException> failed = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            // the tar stream must not close the pipe: a failure is recorded first, so the reader
            // that meets the end of the pipe can tell a finished archive from a broken one
            OutputStream unclosed = new FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    flush();
                }
            };
            try (InputStream save = bundle ? ImageArchive.imagesStream(source) : ImageArchive.open(source);
                 TarArchiveInputStream tar = new TarArchiveInputStream(save);
                 TarArchiveOutputStream rebuilt = new TarArchiveOutputStream(unclosed)) {
                rebuilt.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                rebuilt.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                    if (!e.isFile() && !e.isDirectory() || TAG_SOURCES.contains(ImageArchive.plain(e.getName()))) {
                        continue; // links and devices are no part of an image archive; tags come from our manifest
                    }
                    TarArchiveEntry copy = new TarArchiveEntry(e.getName(), e.isDirectory()
                            ? TarArchiveEntry.LF_DIR : TarArchiveEntry.LF_NORMAL);
                    copy.setSize(e.isDirectory() ? 0 : e.getSize());
                    copy.setMode(e.isDirectory() ? 0755 : 0644);
                    rebuilt.putArchiveEntry(copy);
                    if (e.isFile()) {
                        tar.transferTo(rebuilt);
                    }
                    rebuilt.closeArchiveEntry();
                }
                TarArchiveEntry m = new TarArchiveEntry("manifest.json");
                m.setSize(manifestBytes.length);
                m.setMode(0644);
                rebuilt.putArchiveEntry(m);
                rebuilt.write(manifestBytes);
                rebuilt.closeArchiveEntry();
            } catch (IOException | RuntimeException e) {
                // the source could not be read, or the engine stopped reading the pipe
                failed.set(e instanceof IOException io ? io : new IOException(e.toString(), e));
                Logger.debug("sideload: writing the archive to the engine stopped: {}", e.getMessage());
            } finally {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // the reader is gone
                }
            }
        }, "berth-load");
        writer.setDaemon(true);
        writer.start();
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                return b < 0 ? end() : b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                return n < 0 ? end() : n;
            }

            /** The end of the pipe: the archive's end, or the failure that cut it short. */
            private int end() throws IOException {
                IOException e = failed.get();
                if (e != null) {
                    throw new IOException("reading the archive failed: " + e.getMessage(), e);
                }
                return -1;
            }
        };
    }
}
