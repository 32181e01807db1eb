package io.berth.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VersionTest {

    @Test
    void thePackagesVersionFileBesideTheJarWins(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("version"), "0.6.0~snapshot.20261201185338\n");
        assertEquals("0.6.0~snapshot.20261201185338", Version.besideJar(dir));
    }

    @Test
    void onlyTheFirstLineCountsWithoutItsBlanks(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("version"), "  0.0.2~b \nsomething else\n");
        assertEquals("0.0.2~b", Version.besideJar(dir));
    }

    @Test
    void noFileOrAnEmptyOneIsNoAnswer(@TempDir Path dir) throws Exception {
        assertNull(Version.besideJar(dir));
        assertNull(Version.besideJar(null));
        Files.writeString(dir.resolve("version"), " \n");
        assertNull(Version.besideJar(dir));
        Files.createDirectory(dir.resolve("sub"));
        assertNull(Version.besideJar(dir.resolve("sub").resolve("missing")));
    }
}
