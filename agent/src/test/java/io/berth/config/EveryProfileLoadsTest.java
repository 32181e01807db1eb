package io.berth.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every device profile's settings are valid config values: an agent on any board starts. */
class EveryProfileLoadsTest {
    static java.util.List<String> profiles() {
        return DeviceProfile.known();
    }

    @ParameterizedTest
    @MethodSource("profiles")
    void theAgentsConfigLoadsWithIt(String profile) {
        assertFalse(profiles().isEmpty());
        AgentConfig config = assertDoesNotThrow(() -> ConfigLoader.load(null, Map.of(
                "BERTH_DEVICE_ID", "pi-0042", "BERTH_PROFILE", profile, "BERTH_STATE_DIR", "/tmp/berth-profile-test")));
        assertFalse(config.logs().bufferBytes() <= 0);
    }
}
