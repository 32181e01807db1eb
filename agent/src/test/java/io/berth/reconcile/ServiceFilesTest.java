package io.berth.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.model.Mount;
import io.berth.model.ServiceSpec;
import io.berth.spec.SpecFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configs and secrets become files under the state dir, bound read-only; written only when changed. */
class ServiceFilesTest {
    @TempDir
    Path dir;

    @Test
    void secretsAre0400ConfigsAre0444AndBothBoundReadOnly() throws Exception {
        ServiceSpec web = SpecFixtures.desired("""
                {"revision": 1, "services": {"web": {"image": "busybox", "secrets": ["token"], "configs": ["app"]}},
                 "secrets": {"token": {"content": "s3cret"}}, "configs": {"app": {"content": "port=80"}}}""")
                .services().get("web");
        ServiceSpec resolved = ServiceFiles.apply(web, dir);
        Path secret = dir.resolve("secrets/token");
        Path config = dir.resolve("configs/app");
        assertEquals("s3cret", Files.readString(secret));
        assertEquals("r--------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)));
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(config)));
        assertTrue(resolved.mounts().contains(new Mount(Mount.Type.BIND, secret.toString(), "/run/secrets/token", true)));
        assertTrue(resolved.mounts().contains(new Mount(Mount.Type.BIND, config.toString(), "/app", true)));
        long before = Files.getLastModifiedTime(secret).toMillis();
        Files.setLastModifiedTime(secret, java.nio.file.attribute.FileTime.fromMillis(before - 60_000));
        ServiceFiles.apply(web, dir);
        assertEquals(before - 60_000, Files.getLastModifiedTime(secret).toMillis(), "unchanged: not written again");
    }
}
