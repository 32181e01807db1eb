package io.berth.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.tinylog.Level;

/** Each line on stderr carries its syslog priority, so journald files it under -p err/warning/info. */
class JournalWriterTest {

    @Test
    void levelsMapToSyslogPriorities() {
        assertEquals(3, JournalWriter.priority(Level.ERROR));
        assertEquals(4, JournalWriter.priority(Level.WARN));
        assertEquals(6, JournalWriter.priority(Level.INFO));
        assertEquals(7, JournalWriter.priority(Level.DEBUG));
        assertEquals(7, JournalWriter.priority(Level.TRACE));
    }

    @Test
    void everyLineOfAStackTraceKeepsThePriority() {
        assertEquals("<3>[main] failed: boom\n<3>java.io.IOException: boom\n<3>\tat X.y(X.java:1)\n",
                JournalWriter.prefixed(3, "[main] failed: boom\njava.io.IOException: boom\n\tat X.y(X.java:1)\n"));
        assertEquals("<6>[main] started\n", JournalWriter.prefixed(6, "[main] started"));
    }
}
