package io.berth.engine.http;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The engine's log timestamps, RFC 3339 in UTC as Go writes them ({@code 2026-11-23T10:00:00.5Z}:
 * nine fraction digits at most, trailing zeros and an all-zero fraction left out), read by hand:
 * {@link Instant#parse} builds a parser state per call, which was ~5 % of the log path's CPU.
 * Anything else (an offset, a leap second) goes to {@link Instant#parse}, so the result is the
 * same as before for every input.
 */
final class EngineTime {
    /** What {@link #epochNanos} answers for text that is not a timestamp. */
    static final long NONE = Long.MIN_VALUE;

    private static final int[] DAYS_BEFORE_MONTH = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

    private EngineTime() {}

    /** Nanoseconds since the epoch of an engine timestamp, or {@link #NONE} (also outside 1677–2262, what a long holds). */
    static long epochNanos(String time) {
        long fast = fast(time);
        if (fast != NONE) {
            return fast;
        }
        try {
            Instant at = Instant.parse(time);
            return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000_000L), at.getNano());
        } catch (DateTimeParseException | ArithmeticException e) {
            return NONE;
        }
    }

    /** {@code YYYY-MM-DDTHH:MM:SS[.F{1,9}]Z} with valid fields, else {@link #NONE} (the slow path decides). */
    private static long fast(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':' || s.charAt(n - 1) != 'Z') {
            return NONE;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 1678 || year > 2261 || month < 1 || month > 12 || day < 1 || day > monthLength(year, month)
                || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return NONE;
        }
        long nanos = 0;
        if (n != 20) {
            int digits = n - 21;
            if (s.charAt(19) != '.' || digits < 1 || digits > 9) {
                return NONE;
            }
            int fraction = digits(s, 20, digits);
            if (fraction < 0) {
                return NONE;
            }
            nanos = fraction;
            for (int i = digits; i < 9; i++) {
                nanos *= 10;
            }
        }
        long days = epochDay(year, month, day);
        return ((days * 24 + hour) * 60 + minute) * 60_000_000_000L + second * 1_000_000_000L + nanos;
    }

    /** The value of {@code count} ASCII digits at {@code from}, or -1. */
    private static int digits(String s, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static boolean leap(int year) {
        return (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);
    }

    private static int monthLength(int year, int month) {
        return month == 2 ? (leap(year) ? 29 : 28) : (month == 4 || month == 6 || month == 9 || month == 11) ? 30 : 31;
    }

    /** Days from 1970-01-01 (proleptic Gregorian). */
    private static long epochDay(int year, int month, int day) {
        long y = year - 1;
        long daysBeforeYear = 365 * y + Math.floorDiv(y, 4) - Math.floorDiv(y, 100) + Math.floorDiv(y, 400);
        int dayOfYear = DAYS_BEFORE_MONTH[month - 1] + day - 1 + (month > 2 && leap(year) ? 1 : 0);
        return daysBeforeYear + dayOfYear - 719_162; // days from 0001-01-01 to 1970-01-01
    }
}
