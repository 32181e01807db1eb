package io.berth.engine.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventActor;
import io.berth.engine.EngineEvent;
import io.berth.model.Health;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineEventsTest {
    static Event event(String id, String action, Map<String, String> more) {
        Map<String, String> attributes = new HashMap<>(Map.of("berth.service", "db", "berth.revision", "4"));
        attributes.putAll(more);
        return new Event().withId(id).withAction(action)
                .withEventActor(new EventActor().withId(id).withAttributes(attributes));
    }

    @Test
    void aDeathCarriesItsExitCodeAndWhetherMemoryRanOut() {
        EngineEvents events = new EngineEvents();
        EngineEvent plain = events.read(event("c1", "die", Map.of("exitCode", "3")));
        assertEquals(EngineEvent.Kind.DIED, plain.kind());
        assertEquals(3, plain.exitCode());
        assertFalse(plain.oom());
        assertEquals("db", plain.service());
        assertEquals(4, plain.revision());

        assertEquals(EngineEvent.Kind.OTHER, events.read(event("c2", "oom", Map.of())).kind());
        EngineEvent killed = events.read(event("c2", "die", Map.of("exitCode", "137")));
        assertTrue(killed.oom(), "the oom before its die");
        assertFalse(events.read(event("c2", "die", Map.of("exitCode", "0"))).oom(), "only that death");
    }

    @Test
    void aKillTheEngineSentIsNotLookedAtAgainForAnOom() {
        EngineEvents events = new EngineEvents();
        assertEquals(11, events.looks(events.read(event("c1", "die", Map.of("exitCode", "137")))),
                "a 137 nobody asked for may be the kernel's: its OOM flag can come late");
        events.read(event("c2", "kill", Map.of("signal", "15")));
        events.read(event("c2", "kill", Map.of("signal", "9")));
        assertEquals(1, events.looks(events.read(event("c2", "die", Map.of("exitCode", "137")))),
                "docker stop past its grace: the engine's own SIGKILL");
        assertEquals(11, events.looks(events.read(event("c2", "die", Map.of("exitCode", "137")))), "that kill only");
        events.read(event("c3", "kill", Map.of("signal", "15")));
        assertEquals(11, events.looks(events.read(event("c3", "die", Map.of("exitCode", "137")))),
                "a SIGTERM from the engine does not make a 137");
        assertEquals(1, events.looks(events.read(event("c4", "die", Map.of("exitCode", "0")))));
    }

    @Test
    void everyHealthStatusIsAHealthEvent() {
        EngineEvents events = new EngineEvents();
        for (Health health : new Health[] {Health.HEALTHY, Health.UNHEALTHY, Health.STARTING}) {
            EngineEvent e = events.read(event("c1", "health_status: " + health.keyword(), Map.of()));
            assertEquals(EngineEvent.Kind.HEALTH, e.kind());
            assertEquals(health, e.health());
        }
        assertEquals(EngineEvent.Kind.OTHER, events.read(event("c1", "start", Map.of())).kind());
    }
}
