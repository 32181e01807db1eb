package io.berth.sideload;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * An archive streamed to the agent (over its control socket), kept in one file of the agent's
 * own (mode 0600 in its state dir, deleted when closed) and read through the one channel that
 * wrote it: what is checked is what is loaded, byte for byte, and the CLI's user needs no path
 * the agent can read (so it works under the unit's PrivateTmp and ProtectHome).
 */
public final class Spool implements ArchiveSource, AutoCloseable {
    private final FileChannel channel;
    private final long size;

    private Spool(FileChannel channel, long size) {
        this.channel = channel;
        this.size = size;
    }

    /**
     * Copies exactly {@code size} bytes of {@code in} into a new spool file under {@code dir}.
     *
     * @throws IOException when the stream ends early (nothing is kept) or the disk refuses
     */
    public static Spool receive(InputStream in, long size, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = Files.createTempFile(dir, "load-", ".spool",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.DELETE_ON_CLOSE);
        Files.deleteIfExists(file); // unlinked at once: only this channel reaches the bytes now
        try {
            OutputStream out = Channels.newOutputStream(channel);
            byte[] buffer = new byte[64 * 1024];
            long left = size;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException("the archive ended after " + (size - left) + " of " + size + " bytes; "
                            + "nothing was loaded");
                }
                out.write(buffer, 0, n);
                left -= n;
            }
            channel.force(false);
            return new Spool(channel, size);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public long size() {
        return size;
    }

    @Override
    public InputStream open() {
        return new InputStream() {
            private long position;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (position >= size) {
                    return -1;
                }
                int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, size - position)), position);
                if (n > 0) {
                    position += n;
                }
                return n;
            }
        };
    }

    @Override
    public String name() {
        return "the streamed archive (" + size + " bytes)";
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
