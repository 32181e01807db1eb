package io.berth.localapi;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The berth group reads; changing verbs need root. */
class SocketAccessTest {

    @Test
    void readOnlyVerbsForEveryoneOnTheSocketChangingVerbsForRoot() {
        for (String verb : new String[] {"status", "logs", "diagnose", "support", "ping"}) {
            assertNull(SocketAccess.refusal(verb, false), verb);
        }
        for (String verb : new String[] {"pause", "resume", "restart", "apply", "load", "some-new-verb"}) {
            String refused = SocketAccess.refusal(verb, false);
            assertNotNull(refused, verb);
            assertTrue(refused.contains("needs root"), refused);
            assertNull(SocketAccess.refusal(verb, true), verb + " as root");
        }
    }
}
