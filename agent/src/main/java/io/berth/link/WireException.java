package io.berth.link;

import java.io.IOException;

/** A Paho failure of either protocol, with the broker's reason code (Paho's own codes above 32000). */
final class WireException extends IOException {
    private final int reasonCode;

    WireException(String message, int reasonCode, Throwable cause) {
        super(message, cause);
        this.reasonCode = reasonCode;
    }

    /**
     * The first refusal among a SUBACK's codes (3.1.1: 0x80; MQTT 5: any code from 0x80), or null.
     * A NATS node that could not create the subscription's JetStream consumer in time refuses so.
     */
    static WireException refusedSubscription(int[] codes, String[] filters) {
        for (int i = 0; codes != null && i < codes.length; i++) {
            if (codes[i] >= 0x80) {
                String filter = i < filters.length ? filters[i] : String.join(",", filters);
                return new WireException("the broker refused the subscription to " + filter + " (SUBACK code "
                        + codes[i] + ")", codes[i], null);
            }
        }
        return null;
    }

    int reasonCode() {
        return reasonCode;
    }

    /**
     * The broker refused MQTT 5 (CONNACK 0x84 "unsupported protocol version", or a 3.1.1 broker's
     * return code 1), or answered the MQTT 5 CONNECT with a packet the v5 client cannot read.
     */
    boolean refusesProtocol() {
        return reasonCode == 132 || reasonCode == 1 || reasonCode == 50001 /* Paho v5: "invalid return code", a 3.1.1 CONNACK */;
    }
}
