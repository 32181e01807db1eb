package io.berth.agent;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.link.Topics;
import org.junit.jupiter.api.Test;

/**
 * The new agent confirms on the delivery of its report, not of another retained message (the
 * online message and the labels are delivered first, before any report): AgentUpdateIT cannot
 * tell the two apart, the broker acknowledging them within milliseconds.
 */
class AgentConfirmationTopicTest {
    @Test
    void onlyTheReportsDeliveryConfirms() {
        Topics topics = new Topics("berth", "d1");
        assertTrue(Agent.confirms(topics.reported(), topics));
        assertFalse(Agent.confirms(topics.online(), topics));
        assertFalse(Agent.confirms("berth/d1/labels", topics));
        assertFalse(Agent.confirms(new Topics("berth", "d2").reported(), topics));
    }
}
