package io.berth.fleet.rollout;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code --waves 1,10%,100%} and {@code --max-failures N|P%}. Wave sizes are cumulative, as
 * counts or percentages of the selected devices (rounded up, at least one device for a
 * percentage above zero): {@code 1,10%,100%} of 50 devices is waves of 1, 4 and 45. Waves that
 * would be empty are left out; devices past the last size form one more wave, so every selected
 * device is in one.
 */
public final class Waves {
    private Waves() {}

    /**
     * Splits the devices, in rollout order, into waves.
     *
     * @throws IllegalArgumentException naming the size that is not a count or percentage, or that shrinks
     */
    public static List<Rollout.Wave> plan(String spec, List<String> devices) {
        List<Rollout.Wave> waves = new ArrayList<>();
        int n = devices.size();
        int done = 0;
        int previous = 0;
        for (String token : spec.split(",", -1)) {
            String t = token.strip();
            int upTo = Math.min(n, count(t, n, "--waves"));
            if (upTo < previous) {
                throw new IllegalArgumentException("--waves '" + spec + "': the sizes are cumulative and must not "
                        + "shrink: '" + t + "' is " + upTo + " devices after " + previous);
            }
            previous = upTo;
            if (upTo > done) {
                waves.add(new Rollout.Wave(t, devices.subList(done, upTo), null, null));
                done = upTo;
            }
        }
        if (done < n) {
            waves.add(new Rollout.Wave("100%", devices.subList(done, n), null, null));
        }
        return waves;
    }

    /** {@code --max-failures}: a count, or a percentage of the selected devices (rounded down). */
    public static int maxFailures(String spec, int devices) {
        String t = spec.strip();
        if (t.endsWith("%")) {
            return (int) Math.floor(percent(t, "--max-failures") * devices / 100.0);
        }
        return count(t, devices, "--max-failures");
    }

    private static int count(String t, int n, String option) {
        if (t.endsWith("%")) {
            double p = percent(t, option);
            return p == 0 ? 0 : (int) Math.max(1, Math.ceil(p * n / 100.0));
        }
        try {
            int c = Integer.parseInt(t);
            if (c < 0) {
                throw new NumberFormatException();
            }
            return c;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + t + "' is neither a count (5) nor a percentage (10%)");
        }
    }

    private static double percent(String t, String option) {
        try {
            double p = Double.parseDouble(t.substring(0, t.length() - 1));
            if (p < 0 || p > 100) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + t + "' is not a percentage from 0% to 100%");
        }
    }
}
