package io.berth.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy to another loopback port, for tests that play with the link: {@link #cut()}
 * and {@link #open()} again for an outage on demand (the broker), created {@link #closed} and opened
 * later for a service that "comes up", or a bytes-per-second limit on the answers (target to client)
 * for a slow link (the registry). Listens on 127.0.0.1 only, on the same port for its whole life;
 * two threads per connection, one per direction. {@link #close()} drops everything.
 */
final class LoopbackProxy implements AutoCloseable {
    private final int port;
    private final int target;
    private final long bytesPerSecond;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private ServerSocket server;

    /** Forwards to {@code target} from now on, at full speed. */
    LoopbackProxy(int target) throws IOException {
        this(target, 0);
    }

    /** Forwards to {@code target} from now on, answers at {@code bytesPerSecond} (0: unlimited). */
    LoopbackProxy(int target, long bytesPerSecond) throws IOException {
        this(target, bytesPerSecond, true);
    }

    private LoopbackProxy(int target, long bytesPerSecond, boolean open) throws IOException {
        this.target = target;
        this.bytesPerSecond = bytesPerSecond;
        this.port = TestDevice.freePort();
        if (open) {
            open();
        }
    }

    /** A proxy whose port refuses connections until {@link #open()}. */
    static LoopbackProxy closed(int target) throws IOException {
        return new LoopbackProxy(target, 0, false);
    }

    /** tcp://127.0.0.1:port, for MQTT URLs. */
    String url() {
        return "tcp://" + host();
    }

    /** 127.0.0.1:port, for image references. */
    String host() {
        return "127.0.0.1:" + port;
    }

    /** Accepts connections (again); does nothing if already open. */
    synchronized void open() throws IOException {
        if (server != null) {
            return;
        }
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        server = s;
        daemon("it-proxy-accept", () -> accept(s));
    }

    /** Drops every connection and refuses new ones until {@link #open()}. */
    synchronized void cut() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
        for (Socket socket : sockets) {
            socket.close();
        }
        sockets.clear();
    }

    @Override
    public void close() throws IOException {
        cut();
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            Socket client;
            try {
                client = s.accept();
            } catch (IOException e) {
                return; // cut or closed
            }
            try {
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(client);
                sockets.add(upstream);
                if (s.isClosed()) { // cut while connecting
                    closeQuietly(client);
                    closeQuietly(upstream);
                    continue;
                }
                AtomicInteger open = new AtomicInteger(2); // both sockets close when both directions end
                pump(client, upstream, 0, open);
                pump(upstream, client, bytesPerSecond, open);
            } catch (IOException e) {
                closeQuietly(client); // the target is not there: refuse this one, keep accepting
            }
        }
    }

    /** Copies one direction; at end of stream passes the half-close on, on error drops both. */
    private void pump(Socket from, Socket to, long rate, AtomicInteger open) {
        daemon("it-proxy-pump", () -> {
            byte[] buffer = new byte[16 * 1024];
            long start = System.nanoTime();
            long sent = 0;
            boolean clean = false;
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                    sent += n;
                    if (rate > 0) {
                        long wait = start + sent * 1_000_000_000L / rate - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                    }
                }
                to.shutdownOutput();
                clean = true;
            } catch (IOException | InterruptedException e) {
                // cut, closed, or reset by a peer
            } finally {
                if (!clean || open.decrementAndGet() == 0) {
                    closeQuietly(from);
                    closeQuietly(to);
                    sockets.remove(from);
                    sockets.remove(to);
                }
            }
        });
    }

    private static void daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
