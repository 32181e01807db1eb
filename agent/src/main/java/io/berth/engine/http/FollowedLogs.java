package io.berth.engine.http;

import io.berth.engine.LogStreams;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The agent's log forwarder's view of a {@link LogReader}: one follow per container. */
public final class FollowedLogs implements LogStreams {
    private final LogReader reader;
    private final Sink sink;
    private final Map<String, AutoCloseable> follows = new HashMap<>(); // guarded by this

    public FollowedLogs(LogReader reader, Sink sink) {
        this.reader = reader;
        this.sink = sink;
    }

    @Override
    public synchronized void follow(String containerId, String service, Instant since) {
        if (follows.containsKey(containerId)) {
            return;
        }
        String path = "/containers/" + containerId + "/logs?follow=1&stdout=1&stderr=1&timestamps=1&since="
                + since.getEpochSecond() + "." + String.format("%09d", since.getNano());
        AutoCloseable[] self = new AutoCloseable[1];
        self[0] = reader.read(path, new LogReader.Sink() {
            @Override
            public void line(String stream, String time, String text) {
                Instant at = LineSplitter.instant(time);
                sink.line(containerId, service, at == null ? Instant.now() : at, stream, text);
            }

            @Override
            public void ended(String problem, boolean refused) {
                synchronized (FollowedLogs.this) { // waits for follow() to have recorded self[0]
                    if (!follows.remove(containerId, self[0])) {
                        return; // unfollowed: nobody waits for its end
                    }
                }
                if (refused) {
                    sink.refused(containerId, problem);
                } else {
                    sink.ended(containerId, problem == null ? "the log stream ended" : problem);
                }
            }
        });
        follows.put(containerId, self[0]);
    }

    @Override
    public void unfollow(String containerId) {
        AutoCloseable follow;
        synchronized (this) {
            follow = follows.remove(containerId);
        }
        if (follow != null) {
            try {
                follow.close();
            } catch (Exception ignored) {
                // a read's close only queues its end
            }
        }
    }

    @Override
    public synchronized int following() {
        return follows.size();
    }

    @Override
    public void close() {
        List<String> ids;
        synchronized (this) {
            ids = List.copyOf(follows.keySet());
        }
        ids.forEach(this::unfollow);
    }
}
