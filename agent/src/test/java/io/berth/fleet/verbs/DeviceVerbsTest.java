package io.berth.fleet.verbs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.berth.support.Args;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code berth cmd}'s ARGS: key=value pairs, one JSON object, or one bare word (the service). */
class DeviceVerbsTest {
    @Test
    void argumentsBecomeTheBody() throws Exception {
        assertEquals("{\"service\":\"web\"}", DeviceVerbs.body(List.of("web")).toString());
        assertEquals("{\"service\":\"web\",\"tail\":20}", DeviceVerbs.body(List.of("service=web", "tail=20")).toString());
        assertEquals("{\"service\":\"db\"}", DeviceVerbs.body(List.of("{\"service\": \"db\"}")).toString());
        assertEquals("{}", DeviceVerbs.body(List.of()).toString());
        assertThrows(Args.UsageException.class, () -> DeviceVerbs.body(List.of("a", "b")));
        assertThrows(Args.UsageException.class, () -> DeviceVerbs.body(List.of("{not json")));
    }
}
