package io.berth.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.spec.SpecError;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A rejection carries a bounded list of errors, however many a document has. */
class DesiredIntakeErrorsTest {

    @Test
    void fiftyThousandErrorsBecomeTheFirstHundredAndACount() {
        List<SpecError> errors = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            errors.add(new SpecError("services.s" + i + ".bogus", "unknown key"));
        }
        List<SpecError> capped = DesiredIntake.capped(errors);
        assertEquals(DesiredIntake.MAX_ERRORS + 1, capped.size());
        assertEquals(errors.subList(0, DesiredIntake.MAX_ERRORS), capped.subList(0, DesiredIntake.MAX_ERRORS));
        assertTrue(capped.get(DesiredIntake.MAX_ERRORS).message().startsWith("and 49900 more errors"),
                capped.get(DesiredIntake.MAX_ERRORS).toString());
    }

    @Test
    void aFewErrorsStayAsTheyAre() {
        List<SpecError> errors = List.of(new SpecError("revision", "missing"));
        assertSame(errors, DesiredIntake.capped(errors));
    }
}
