package io.berth.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The highest accepted revision lives apart from desired.json and only ever rises. */
class RevisionFloorTest {
    @TempDir
    Path dir;

    @Test
    void theFloorSurvivesTheDocumentAndNeverFalls() throws Exception {
        StateStore store = new StateStore(dir);
        assertEquals(Optional.empty(), store.loadRevisionFloor());
        store.saveDesired("{\"revision\": 5}".getBytes());
        store.saveRevisionFloor(new RevisionFloor(5, "abc"));
        Files.delete(dir.resolve("desired.json"));
        assertEquals(Optional.of(new RevisionFloor(5, "abc")), store.loadRevisionFloor());
        store.saveRevisionFloor(new RevisionFloor(3, "older"));
        assertEquals(5, store.loadRevisionFloor().orElseThrow().revision(), "never lowered");
        store.saveRevisionFloor(new RevisionFloor(6, "def"));
        assertEquals(new RevisionFloor(6, "def"), store.loadRevisionFloor().orElseThrow());
    }

    @Test
    void aCorruptFloorIsAnErrorNotAnEmptyFloor() throws Exception {
        Files.writeString(dir.resolve(RevisionFloor.FILE), "{\"revision\": \"x\"");
        IOException e = assertThrows(IOException.class, () -> new StateStore(dir).loadRevisionFloor());
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }
}
