package io.berth.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy whose answers (target to client) flow at a limited rate: a registry behind
 * a slow link, so a pull takes seconds and reports progress more than once.
 */
final class SlowProxy implements AutoCloseable {
    private final int port;
    private final int target;
    private final long bytesPerSecond;
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    SlowProxy(int target, long bytesPerSecond) throws IOException {
        this.target = target;
        this.bytesPerSecond = bytesPerSecond;
        this.port = TestDevice.freePort();
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        Thread acceptor = new Thread(this::accept, "it-slow-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** host:port of the proxy, for image references. */
    String host() {
        return "127.0.0.1:" + port;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream, Long.MAX_VALUE);
                pump(upstream, client, bytesPerSecond);
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void pump(Socket from, Socket to, long rate) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            long start = System.nanoTime();
            long sent = 0;
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                    sent += n;
                    if (rate != Long.MAX_VALUE) {
                        long due = start + sent * 1_000_000_000L / rate;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                    }
                }
            } catch (IOException | InterruptedException e) {
                // closed
            } finally {
                try {
                    to.shutdownOutput();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        }, "it-slow-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
