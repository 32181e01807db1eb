package io.berth.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.PublicKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Everything a device checks before it takes a valid document, from any way in (MQTT, the CLI,
 * a sideload bundle, its own state dir at start): the signature by a trusted key, the signed
 * {@code target} and {@code notAfter}, and the device policy. PROTOCOL.md §3.
 *
 * @param labels the device's labels as they are now (for {@code target.selector})
 */
public record DeviceTrust(String deviceId, Supplier<Map<String, String>> labels, DevicePolicy policy,
                          Map<String, PublicKey> trustedKeys, PolicyHost host, Clock clock) {

    public DeviceTrust {
        trustedKeys = Map.copyOf(trustedKeys);
    }

    /** No keys, permissive policy: everything valid is taken (tests, a device without a trust set-up). */
    public static DeviceTrust open(String deviceId, PolicyHost host) {
        return new DeviceTrust(deviceId, Map::of, DevicePolicy.PERMISSIVE, Map.of(), host, Clock.systemUTC());
    }

    public boolean signaturesRequired() {
        return !trustedKeys.isEmpty();
    }

    /** What this device refuses in a document arriving now: every error, each with its path. */
    public List<SpecError> refusals(ParsedDocument.Valid valid) {
        return refusals(valid, true);
    }

    /**
     * What this device refuses in a document it accepted before (its stored one, at start): the
     * same, except {@code notAfter}, which bounds when a document may be taken, not how long it runs.
     */
    public List<SpecError> refusalsOfStored(ParsedDocument.Valid valid) {
        return refusals(valid, false);
    }

    private List<SpecError> refusals(ParsedDocument.Valid valid, boolean arriving) {
        JsonNode document = valid.document();
        List<SpecError> refused = new ArrayList<>(Signatures.verify(document, trustedKeys));
        if (refused.isEmpty() && signaturesRequired()) {
            for (SpecError e : Signatures.checkTarget(document, deviceId, labels.get(), clock.instant())) {
                if (arriving || !e.path().equals("notAfter")) {
                    refused.add(e);
                }
            }
        }
        refused.addAll(policy.check(valid.state(), document, host));
        return refused;
    }
}
