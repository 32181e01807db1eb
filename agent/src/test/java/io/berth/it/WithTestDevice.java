package io.berth.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** An integration test with one fresh {@link TestDevice}, closed (and its engine objects removed) after each test. */
abstract class WithTestDevice {
    protected TestDevice device;

    @BeforeEach
    void createDevice() throws Exception {
        device = new TestDevice();
    }

    @AfterEach
    void closeDevice() throws Exception {
        device.close();
    }
}
