package io.berth.fleet.verbs;

import io.berth.fleet.Device;
import io.berth.fleet.rollout.Rollout;
import io.berth.fleet.rollout.RolloutDriver;
import io.berth.model.Durations;
import io.berth.model.Selector;
import io.berth.spec.SigningKey;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Starting a rollout, as {@code rollout start} and {@code agent-update} both do: their shared
 * options (the devices, the waves, the id) and the launch (select, write the record, publish the
 * first wave, with {@code --wait} drive it to its end). What each rolls out is theirs.
 */
final class RolloutStart {
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);

    private RolloutStart() {}

    /** Which devices, in which waves, under which id. */
    record Options(Selector selector, List<String> named, Selector canary, String waves, String maxFailures,
                   Duration waveTimeout, String id) {}

    /** Makes the record of a new rollout of the selected devices ({@code RolloutPlanner.create…}). */
    interface NewRollout {
        Rollout create(Options o, List<Device> selected, String signKeyId, Instant now);
    }

    /** The shared options of a session's verb; null after saying what is wrong (exit 2). */
    static Options options(RolloutVerbs.Session s) {
        var a = s.a;
        if ((a.value("--selector") == null) == a.values("--device").isEmpty()) {
            s.usage("give either --selector S or --device ID (repeatable)");
            return null;
        }
        Selector selector;
        Selector canary;
        Duration timeout = Durations.parse(a.value("--wave-timeout") == null ? "10m" : a.value("--wave-timeout"));
        try {
            selector = a.value("--selector") == null ? null : Selector.parse(a.value("--selector"));
            canary = a.value("--canary") == null ? null : Selector.parse(a.value("--canary"));
        } catch (IllegalArgumentException e) {
            s.usage(e.getMessage());
            return null;
        }
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            s.usage("--wave-timeout takes a duration like 90s or 10m");
            return null;
        }
        String id = a.value("--id") != null ? a.value("--id") : "r-" + ID_TIME.format(s.clock.instant()) + "-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 4);
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
            s.usage("--id '" + id + "' must be letters, digits, '_', '.' and '-' (at most 64)");
            return null;
        }
        return new Options(selector, selector == null ? a.values("--device") : null, canary,
                a.value("--waves") == null ? "1,10%,100%" : a.value("--waves"),
                a.value("--max-failures") == null ? "0" : a.value("--max-failures"), timeout, id);
    }

    /**
     * Connects, selects the devices, writes the new rollout's record and publishes its first wave
     * (with {@code --wait} drives it to its end). Prints the id on stdout, progress on stderr.
     */
    static int launch(RolloutVerbs.Session s, Options o, NewRollout making) {
        return s.connected(f -> {
            SigningKey key = s.key();
            List<Device> selected = o.selector() != null ? f.view().select(o.selector())
                    : o.named().stream().map(d -> f.view().device(d).orElse(new Device(d, null, null,
                    Map.of(), null))).toList();
            Rollout created;
            try {
                created = making.create(o, selected, key == null ? null : key.keyId(), s.clock.instant());
            } catch (IllegalArgumentException e) {
                return s.usage(e.getMessage());
            }
            String id = o.id();
            try (RolloutDriver driver = new RolloutDriver(f.store(), f.view(), key, s.clock, s.lease())) {
                driver.create(created);
                s.out.println(id);
                s.out.flush();
                s.err.println("rollout " + id + ": " + selected.size() + " device(s) in " + created.waves().size()
                        + " wave(s): " + String.join(" | ", created.waves().stream().map(w -> String.join(",",
                        w.devices())).toList()));
                Rollout end = driver.drive(id, s.a.has("--wait") ? RolloutDriver.Mode.TO_END
                        : RolloutDriver.Mode.FIRST_STEP, s.err::println);
                return s.a.has("--wait") ? s.exit(end) : FleetCommand.OK;
            }
        });
    }
}
