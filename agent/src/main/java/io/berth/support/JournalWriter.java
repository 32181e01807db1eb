package io.berth.support;

import java.io.PrintStream;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import org.tinylog.Level;
import org.tinylog.core.LogEntry;
import org.tinylog.core.LogEntryValue;
import org.tinylog.writers.AbstractFormatPatternWriter;

/**
 * A tinylog writer for the systemd journal: every line on stderr starts with its syslog priority
 * ({@code <3>} error, {@code <4>} warning, {@code <6>} info, {@code <7>} debug), which journald
 * reads as the entry's priority, so {@code journalctl -p err -u berth} shows the errors. Lines of
 * a stack trace carry the priority of their message. Chosen by {@code BERTH_LOG_FORMAT=journal}
 * (the unit sets it); the journal adds the time itself.
 */
public final class JournalWriter extends AbstractFormatPatternWriter {
    private final PrintStream err = System.err;

    public JournalWriter(Map<String, String> properties) {
        super(properties);
    }

    /** The syslog priority of a tinylog level. */
    static int priority(Level level) {
        return switch (level) {
            case ERROR -> 3;
            case WARN -> 4;
            case INFO -> 6;
            default -> 7;
        };
    }

    /** The rendered entry with the priority in front of each of its lines. */
    static String prefixed(int priority, String rendered) {
        String prefix = "<" + priority + ">";
        String text = rendered.endsWith("\n") ? rendered.substring(0, rendered.length() - 1) : rendered;
        return prefix + text.replace("\n", "\n" + prefix) + "\n";
    }

    @Override
    public Collection<LogEntryValue> getRequiredLogEntryValues() {
        Collection<LogEntryValue> values = EnumSet.copyOf(super.getRequiredLogEntryValues());
        values.add(LogEntryValue.LEVEL);
        return values;
    }

    @Override
    public void write(LogEntry entry) {
        err.print(prefixed(priority(entry.getLevel()), render(entry)));
    }

    @Override
    public void flush() {
        err.flush();
    }

    @Override
    public void close() {
        err.flush();
    }
}
