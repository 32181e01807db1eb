package io.berth.engine.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.github.dockerjava.api.exception.DockerException;
import io.berth.engine.docker.EngineCalls.Op;
import org.junit.jupiter.api.Test;

/** The error table: which engine failures are worth retrying, by kind of call and status. */
class DockerEngineErrorsTest {

    private static boolean terminal(Op op, int status) {
        return EngineCalls.terminal(op, new DockerException("Status " + status + ": {\"message\":\"x\"}", status));
    }

    @Test
    void theTableAsDocumented() {
        int[] statuses = {400, 401, 403, 404, 409, 500};
        // PULL, CREATE, CREATE_NETWORK, OTHER
        boolean[][] expected = {
            {true, true, true, false},     // 400
            {true, true, true, true},      // 401
            {true, true, false, true},     // 403: an overlapping pool clears when a network goes
            {true, false, false, false},   // 404
            {false, false, false, false},  // 409
            {false, false, false, false},  // 500: no free address pool, among others
        };
        Op[] ops = {Op.PULL, Op.CREATE, Op.CREATE_NETWORK, Op.OTHER};
        for (int i = 0; i < statuses.length; i++) {
            for (int j = 0; j < ops.length; j++) {
                assertEquals(expected[i][j], terminal(ops[j], statuses[i]), ops[j] + " " + statuses[i]);
            }
        }
    }

    @Test
    void anErrorWithoutStatusIsRetried() {
        for (Op op : Op.values()) {
            assertEquals(false, EngineCalls.terminal(op, new IllegalStateException("stream broke")), op.name());
        }
    }
}
