package io.berth.cli;

import io.berth.support.Args;
import io.berth.model.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;

/** Docker's times for {@code --since} and {@code --until}: a relative duration, a Unix time, or a date and time. */
final class Times {
    private Times() {}

    /** Epoch seconds of {@code text} for option {@code option} ({@code 10m} means ten minutes before {@code now}). */
    static long epochSeconds(String option, String text, Instant now) throws Args.UsageException {
        return instant(option, text, now).getEpochSecond();
    }

    static Instant instant(String option, String text, Instant now) throws Args.UsageException {
        if (text.matches("\\d+(\\.\\d+)?")) {
            return Instant.ofEpochMilli((long) (Double.parseDouble(text) * 1000));
        }
        Duration relative = Durations.parse(text);
        if (relative != null) {
            return now.minus(relative);
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException notOffset) {
            // try the next form
        }
        try {
            return LocalDateTime.parse(text).atZone(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException notLocal) {
            // try the next form
        }
        try {
            return LocalDate.parse(text).atStartOfDay(ZoneId.systemDefault()).toInstant();
        } catch (DateTimeParseException notDate) {
            throw new Args.UsageException(option + " takes 10m, 2h, a Unix time or a date like 2026-11-23T10:00:00,"
                    + " not '" + text + "'");
        }
    }
}
