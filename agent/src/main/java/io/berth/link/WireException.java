package io.berth.link;

import java.io.IOException;

/** A Paho failure of either protocol, with the broker's reason code (Paho's own codes above 32000). */
final class WireException extends IOException {
    private final int reasonCode;

    WireException(String message, int reasonCode, Throwable cause) {
        super(message, cause);
        this.reasonCode = reasonCode;
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
