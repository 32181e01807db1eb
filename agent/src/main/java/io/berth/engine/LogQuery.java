package io.berth.engine;

/**
 * What part of a container's log to read, as {@code docker logs} takes it.
 *
 * @param tail   the last N lines only; -1 for all
 * @param since  epoch seconds; 0 for the beginning
 * @param follow keep streaming new lines until closed
 * @param until  epoch seconds; 0 for no end (a follow then runs until closed)
 */
public record LogQuery(int tail, long since, boolean follow, long until) {
    public LogQuery(int tail, long since, boolean follow) {
        this(tail, since, follow, 0);
    }
}
