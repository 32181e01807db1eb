package io.berth.actions;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.model.ObservedVolume;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which volumes {@code berth volumes} lists as orphans and {@code volumes prune} removes. */
class VolumeOrphanTest {

    @Test
    void anAnonymousVolumeOfAServiceIsNeverAnOrphan() {
        ObservedVolume anon = new ObservedVolume("3f9a0c1e", true, "web", true);
        assertFalse(VolumeActions.orphan(anon, Set.of()));
        assertFalse(VolumeActions.orphan(anon, Set.of("data")));
    }

    @Test
    void aManagedNamedVolumeNoDocumentDeclaresIsAnOrphan() {
        assertTrue(VolumeActions.orphan(new ObservedVolume("cache", true, "old", false), Set.of("data")));
    }

    @Test
    void declaredAndForeignVolumesAreNotOrphans() {
        assertFalse(VolumeActions.orphan(new ObservedVolume("data", true, "web", false), Set.of("data")));
        assertFalse(VolumeActions.orphan(new ObservedVolume("theirs", false, null, false), Set.of()));
    }
}
