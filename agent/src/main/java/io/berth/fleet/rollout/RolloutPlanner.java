package io.berth.fleet.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.fleet.Device;
import io.berth.fleet.rollout.Rollout.Target;
import io.berth.fleet.rollout.Rollout.Wave;
import io.berth.spec.SigningKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The rollout's decisions, pure (STYLE.md: data in, data out, no clock, no I/O): from the record,
 * what the devices report and what is retained on their {@code desired} topics, the next record
 * and the documents to publish. The driver writes the next record before it publishes anything.
 *
 * <ul>
 *   <li>Each device is given its own revision of what {@link TargetContent} says: the rollout's
 *   document, or for an agent update its own document with {@code agent} set: only when that
 *   document is the one the device runs, and (when the rollout signs) signed with its key for the
 *   device ({@link TargetContent#unfit}); otherwise the device fails and is sent nothing.</li>
 *   <li>Whether a device is done or failed on it: {@link TargetJudge}.</li>
 *   <li>A wave is done when each of its devices is done, failed, or offline (offline devices keep
 *   their retained document and catch up when they return; they never hold up later waves, except
 *   a device restarting into an agent update, which holds its wave until it is back or timed out).</li>
 *   <li>More failures than {@code maxFailures}: halted, no further device is touched.</li>
 * </ul>
 */
public final class RolloutPlanner {
    private RolloutPlanner() {}

    /** One document to publish, retained, on a device's {@code desired} topic. */
    public record Publish(String device, long revision, JsonNode content, boolean revert) {}

    /** The next record (equal to the given one when nothing changed) and what to publish once it is written. */
    public record Decision(Rollout next, List<Publish> publish) {
        public boolean changed(Rollout before) {
            return !next.sameAs(before);
        }
    }

    /** {@link #next(Rollout, Map, Map, SigningKey, Instant)} of a rollout that does not sign. */
    static Decision next(Rollout r, Map<String, Device> devices, Map<String, Documents.Retained> retained,
                         Instant now) {
        return next(r, devices, retained, null, now);
    }

    /**
     * @param devices  what the fleet view knows, by id (a device never seen is absent)
     * @param retained each target's retained desired document, by id (absent when none)
     * @param key      the key the rollout signs with ({@link Rollout#signKeyId()}), null when it does not
     */
    public static Decision next(Rollout r, Map<String, Device> devices, Map<String, Documents.Retained> retained,
                                SigningKey key, Instant now) {
        Map<String, Target> targets = new TreeMap<>(r.targets());
        List<Wave> waves = new ArrayList<>(r.waves());
        Map<String, JsonNode> previous = new TreeMap<>(r.previous());
        List<Publish> publish = new ArrayList<>();
        String status = r.status();
        String reason = r.reason();
        boolean running = Rollout.RUNNING.equals(status);
        boolean paused = Rollout.PAUSED.equals(status);

        // 1. documents whose publishing was decided: on the broker already, or (still running) publish them;
        //    a paused rollout keeps them publishing (resume publishes them), a halted or aborted one drops them
        for (Map.Entry<String, Target> e : targets.entrySet()) {
            Target t = e.getValue();
            Documents.Retained ret = retained.get(e.getKey());
            if (Target.PUBLISHING.equals(t.state())) {
                if (TargetContent.isOnBroker(r, t, previous, ret)) {
                    e.setValue(t.with(Target.PUBLISHED, "published revision " + t.revision(), now));
                } else if (running) {
                    publish.add(new Publish(e.getKey(), t.revision(), TargetContent.content(r, t, previous), false));
                } else if (!paused) {
                    e.setValue(t.with(Target.PENDING, "not published: the rollout is " + status, now));
                }
            } else if (Target.REVERTING.equals(t.state())) {
                if (ret != null && ret.revision() == t.revertRevision() && t.previous().equals(ret.hash())) {
                    e.setValue(t.with(Target.REVERTED, "given back its previous document as revision "
                            + t.revertRevision(), now));
                } else {
                    publish.add(new Publish(e.getKey(), t.revertRevision(), previous.get(t.previous()), true));
                }
            }
        }

        // 2. what the devices say about their revision
        for (Map.Entry<String, Target> e : targets.entrySet()) {
            Target t = e.getValue();
            if (Target.PUBLISHED.equals(t.state())) {
                Instant waveStart = Instant.parse(waves.get(t.wave()).startedAt());
                Instant publishedAt = Instant.parse(t.updatedAt());
                if (publishedAt.isAfter(waveStart)) {
                    waveStart = publishedAt; // published late (after a pause or a driver crash): its time counts from then
                }
                Target judged = TargetJudge.judge(r, t, devices.get(e.getKey()), waveStart, now);
                if (judged != null) {
                    e.setValue(judged);
                } else if (running && TargetJudge.notTaken(r, t, devices.get(e.getKey()), waveStart, now)) {
                    // a delivery lost (seen once at 1,000 devices on a busy NATS cluster): the same document
                    // once more, a no-op for a device that has it; its wave timeout stays as it was
                    e.setValue(new Target(t.wave(), t.revision(), t.state(), TargetJudge.PUBLISHED_AGAIN + t.revision()
                            + ": the device had not taken it (half a wave timeout after it was published, or "
                            + TargetJudge.RECONNECTED_GRACE.toSeconds() + " s after it connected again)",
                            t.previous(), t.revertRevision(), t.updatedAt()));
                    publish.add(new Publish(e.getKey(), t.revision(), TargetContent.content(r, t, previous), false));
                }
            }
        }

        // 3. too many failures: halt
        long failed = targets.values().stream().filter(t -> Target.FAILED.equals(t.state())).count();
        if (running && failed > r.maxFailures()) {
            status = Rollout.HALTED;
            running = false;
            reason = failed + " device(s) failed, more than --max-failures " + r.maxFailures() + ": "
                    + String.join("; ", targets.entrySet().stream().filter(e -> Target.FAILED.equals(e.getValue()
                    .state())).limit(5).map(e -> e.getKey() + " " + e.getValue().result()).toList())
                    + "; no further device is touched";
        }

        // 4. the waves: finish the current one, start the next
        if (running) {
            int i = 0;
            while (i < waves.size()) {
                Wave w = waves.get(i);
                if (w.doneAt() != null) {
                    i++;
                    continue;
                }
                if (w.startedAt() == null) {
                    for (String id : w.devices()) {
                        Documents.Retained ret = retained.get(id);
                        Device d = devices.get(id);
                        String unfit = r.agentUpdate() && ret != null && ret.revision() > 0
                                ? TargetContent.unfit(r, id, d, ret, key) : null;
                        if (unfit != null) {
                            // nothing is published: the device keeps what it has
                            targets.put(id, new Target(i, 0, Target.FAILED, unfit, null, 0, now.toString()));
                            continue;
                        }
                        long known = Math.max(ret == null ? 0 : ret.revision(), d == null ? 0 : d.knownRevision());
                        String before = null;
                        if (ret != null && ret.revision() > 0) {
                            before = ret.hash();
                            previous.putIfAbsent(before, ret.content());
                        }
                        long revision = known + 1;
                        Target t = new Target(i, revision, Target.PUBLISHING, "publishing revision " + revision,
                                before, 0, now.toString());
                        JsonNode content = TargetContent.content(r, t, previous);
                        if (content == null) {
                            // an agent update rides the device's own document: a document with only
                            // 'agent' would remove its containers
                            targets.put(id, new Target(i, 0, Target.FAILED, "no desired document to carry the agent "
                                    + "update: publish one first (berth publish, or a rollout), then update the agent",
                                    null, 0, now.toString()));
                            continue;
                        }
                        targets.put(id, t);
                        publish.add(new Publish(id, revision, content, false));
                    }
                    waves.set(i, w.started(now));
                    break;
                }
                for (String id : w.devices()) {
                    Target t = targets.get(id);
                    if (Target.PENDING.equals(t.state()) && t.revision() > 0) {
                        // dropped to pending while paused by an earlier version: publish its recorded revision
                        targets.put(id, t.with(Target.PUBLISHING, "publishing revision " + t.revision(), now));
                        publish.add(new Publish(id, t.revision(), TargetContent.content(r, t, previous), false));
                    }
                }
                if (!TargetJudge.waveDone(r, w, targets, devices)) {
                    break;
                }
                waves.set(i, w.done(now));
                i++;
            }
            if (i == waves.size()) {
                status = Rollout.COMPLETED;
                reason = summary(r, targets);
            }
        }

        // 5. abort --revert: give every device the rollout changed its previous document back
        if (Rollout.ABORTED.equals(status) && r.revert()) {
            for (Map.Entry<String, Target> e : targets.entrySet()) {
                Target t = e.getValue();
                String s = t.state();
                if (!Target.PUBLISHED.equals(s) && !Target.CONVERGED.equals(s) && !Target.FAILED.equals(s)) {
                    continue;
                }
                if (t.previous() == null) {
                    e.setValue(t.with(Target.KEPT, "had no document before the rollout: nothing to give back", now));
                    continue;
                }
                Documents.Retained ret = retained.get(e.getKey());
                if (!TargetContent.isOnBroker(r, t, previous, ret)) {
                    e.setValue(t.with(Target.KEPT, "changed since the rollout (its desired document is "
                            + (ret == null ? "gone" : "revision " + ret.revision()) + "): nothing given back", now));
                    continue;
                }
                Device d = devices.get(e.getKey());
                long known = Math.max(t.revision(), Math.max(ret == null ? 0 : ret.revision(),
                        d == null ? 0 : d.knownRevision()));
                Target reverting = new Target(t.wave(), t.revision(), Target.REVERTING, "giving back its previous "
                        + "document as revision " + (known + 1), t.previous(), known + 1, now.toString());
                e.setValue(reverting);
                publish.add(new Publish(e.getKey(), known + 1, previous.get(t.previous()), true));
            }
        }
        Rollout next = r.with(waves, targets, previous).withStatus(status, reason);
        return new Decision(next, publish);
    }

    /**
     * A new rollout of {@code document} to the selected devices, in waves: devices matching
     * {@code canary} first, then online before offline, then by id; nothing is published yet.
     *
     * @throws IllegalArgumentException for bad {@code waves} or {@code maxFailures}, or no device
     */
    public static Rollout create(String id, String selector, List<String> named, JsonNode document,
                                 List<Device> selected, io.berth.model.Selector canary, String waves,
                                 String maxFailures, Duration waveTimeout, String signKeyId, Instant now) {
        return create(id, selector, named, document, null, selected, canary, waves, maxFailures, waveTimeout,
                signKeyId, now);
    }

    /**
     * A new agent update: as {@link #create}, but each device is given its own retained document
     * with {@code agent} set (docs/fleet.md, "Agent updates").
     */
    public static Rollout createAgentUpdate(String id, String selector, List<String> named, Rollout.Agent agent,
                                            List<Device> selected, io.berth.model.Selector canary, String waves,
                                            String maxFailures, Duration waveTimeout, String signKeyId, Instant now) {
        return create(id, selector, named, null, agent, selected, canary, waves, maxFailures, waveTimeout,
                signKeyId, now);
    }

    private static Rollout create(String id, String selector, List<String> named, JsonNode document,
                                  Rollout.Agent agent, List<Device> selected, io.berth.model.Selector canary,
                                  String waves, String maxFailures, Duration waveTimeout, String signKeyId,
                                  Instant now) {
        if (selected.isEmpty()) {
            throw new IllegalArgumentException("no device matches " + (selector != null ? "the selector '" + selector
                    + "'" : "--device " + String.join(", ", named)) + ": check with berth fleet ls");
        }
        List<String> order = selected.stream().sorted(java.util.Comparator
                .comparing((Device d) -> canary == null || !canary.matches(d.labels()))
                .thenComparing(d -> !d.isOnline()).thenComparing(Device::id)).map(Device::id).toList();
        List<Wave> planned = Waves.plan(waves, order);
        Map<String, Target> targets = new TreeMap<>();
        for (int i = 0; i < planned.size(); i++) {
            for (String d : planned.get(i).devices()) {
                targets.put(d, new Target(i, 0, Target.PENDING, null, null, 0, now.toString()));
            }
        }
        return new Rollout(id, Rollout.RUNNING, null, selector, named, document == null ? null
                : Documents.hash(document), document == null ? null : Documents.content(document), agent, planned,
                Waves.maxFailures(maxFailures, order.size()),
                waveTimeout.toString(), signKeyId, now.toString(), now.toString(), null, targets, Map.of(), false, 0);
    }

    /** The record once {@code done} were published: publishing → published, reverting → reverted. */
    public static Rollout published(Rollout r, List<Publish> done, Instant now) {
        Map<String, Target> targets = new HashMap<>(r.targets());
        for (Publish p : done) {
            Target t = targets.get(p.device());
            if (t == null) {
                continue;
            }
            if (p.revert() && Target.REVERTING.equals(t.state())) {
                targets.put(p.device(), t.with(Target.REVERTED, "given back its previous document as revision "
                        + p.revision(), now));
            } else if (!p.revert() && Target.PUBLISHING.equals(t.state())) {
                targets.put(p.device(), t.with(Target.PUBLISHED, "published revision " + p.revision(), now));
            }
        }
        return r.with(r.waves(), targets, r.previous());
    }

    /**
     * An operator's request: {@code pause}, {@code resume} or {@code abort}.
     *
     * @throws IllegalStateException when the rollout's status does not allow it, saying why
     */
    public static Rollout request(Rollout r, String action, boolean revert, Instant now) {
        return switch (action) {
            case "pause" -> {
                if (!Rollout.RUNNING.equals(r.status()) && !Rollout.PAUSED.equals(r.status())) {
                    throw new IllegalStateException("rollout " + r.id() + " is " + r.status() + ": only a running "
                            + "one can be paused");
                }
                yield r.withStatus(Rollout.PAUSED, "paused by an operator at " + now);
            }
            case "resume" -> {
                if (Rollout.PAUSED.equals(r.status()) || Rollout.RUNNING.equals(r.status()) || r.revertPending()) {
                    yield Rollout.PAUSED.equals(r.status()) ? r.withStatus(Rollout.RUNNING, "resumed at " + now) : r;
                }
                throw new IllegalStateException("rollout " + r.id() + " is " + r.status() + (r.reason() == null ? ""
                        : " (" + r.reason() + ")") + ": nothing to resume; abort it (--revert) or start a new one");
            }
            case "abort" -> {
                if (Rollout.COMPLETED.equals(r.status()) && !revert) {
                    throw new IllegalStateException("rollout " + r.id() + " is completed: nothing to abort "
                            + "(abort --revert gives the devices their previous documents back)");
                }
                yield r.withStatus(Rollout.ABORTED, "aborted by an operator at " + now + (revert ? "; reverting" : ""))
                        .withRevert(revert || r.revert());
            }
            default -> throw new IllegalArgumentException("unknown request '" + action + "'");
        };
    }

    private static String summary(Rollout r, Map<String, Target> targets) {
        long converged = targets.values().stream().filter(t -> Target.CONVERGED.equals(t.state())).count();
        long failed = targets.values().stream().filter(t -> Target.FAILED.equals(t.state())).count();
        long offline = targets.values().stream().filter(t -> Target.PUBLISHED.equals(t.state())).count();
        return converged + " converged" + (r.agentUpdate() ? " on agent " + r.agent().version() : "") + ", "
                + failed + " failed, " + offline + " offline (they take their retained document when they come back)";
    }
}
