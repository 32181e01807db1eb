package io.berth.registry;

import static io.berth.registry.RegistryClient.sha256;

import io.berth.model.ImageRef;
import io.berth.model.RegistryAuth;
import io.berth.registry.AgentArtifact.Descriptor;
import io.berth.registry.AgentArtifact.Entry;
import io.berth.registry.AgentArtifact.Index;
import io.berth.registry.RegistryClient.Blob;
import io.berth.registry.RegistryClient.Body;
import io.berth.registry.RegistryClient.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Agent packages stored in a registry as one OCI artifact (docs/protocol.md §3 {@code agent}; the
 * format is in {@link AgentArtifact}): pushed by the operator, resolved to a reference pinned by
 * digest for a rollout, fetched by the device with every digest checked from the pinned index down
 * to the package's bytes.
 */
public final class AgentPackages {
    public static final String ARTIFACT_TYPE = "application/vnd.berth.agent.v1";
    public static final String CONFIG_TYPE = "application/vnd.berth.agent.config.v1+json";
    public static final String PACKAGE_TYPE = "application/vnd.debian.binary-package";
    private static final int MAX_CONFIG = 64 * 1024;

    private final RegistryClient client;

    public AgentPackages(RegistryClient client) {
        this.client = client;
    }

    /** The version and architectures an artifact holds, and its reference pinned by digest (HOST/REPO@sha256:…). */
    public record Pinned(String ref, String version, List<String> architectures) {}

    /** The downloaded package: where, its sha256 (hex, as sha256sum prints it), its size, and the version its artifact names. */
    public record Fetched(Path file, String sha256, long size, String version) {}

    /**
     * Operator: pushes packages (one per Debian architecture: amd64, arm64, armhf, or all) as one
     * OCI index tagged with REF's tag; all must have the same version.
     */
    public Pinned push(String ref, List<Path> debs, RegistryAuth auth) throws RegistryException {
        Ref r = Ref.parse(ref);
        if (r.pinned()) {
            throw new RegistryException(ref + " names a digest; push to a tag, e.g. " + r.host() + "/"
                    + r.repository() + ":VERSION");
        }
        List<DebPackage> packages = packages(debs);
        String version = packages.get(0).version();
        RegistrySession session = client.session(r.host(), r.repository(), auth, true);
        List<Entry> entries = new ArrayList<>();
        for (DebPackage deb : packages) {
            byte[] config = AgentArtifact.config(version, deb.architecture());
            session.pushBlob(sha256(config), Body.of(config));
            Descriptor layer = new Descriptor(PACKAGE_TYPE, digestOf(deb.file()), size(deb.file()));
            session.pushBlob(layer.digest(), Body.of(deb.file()));
            byte[] manifest = AgentArtifact.manifest(new Descriptor(CONFIG_TYPE, sha256(config), config.length), layer,
                    deb.file().getFileName().toString());
            String digest = session.putManifest(sha256(manifest), manifest, AgentArtifact.MANIFEST_TYPE);
            entries.add(new Entry(deb.architecture(), digest, manifest.length));
        }
        byte[] index = AgentArtifact.index(version, entries);
        session.putManifest(r.reference(), index, AgentArtifact.INDEX_TYPE);
        return new Pinned(r.pin(sha256(index)), version, entries.stream().map(Entry::architecture).toList());
    }

    /** Operator: a tag or digest reference pinned by digest, with what the index holds; fails when it is not an agent artifact. */
    public Pinned resolve(String ref, RegistryAuth auth) throws RegistryException {
        Ref r = Ref.parse(ref);
        RegistrySession session = client.session(r.host(), r.repository(), auth, false);
        Manifest m = session.manifest(r.reference());
        String digest = sha256(m.body());
        if (r.pinned()) {
            check(ref, r.reference(), digest);
        } else if (m.digest() != null) {
            check(ref + " (its Docker-Content-Digest)", m.digest(), digest);
        }
        Index index = AgentArtifact.readIndex(m.body(), ref);
        return new Pinned(r.pin(digest), index.version(), index.architectures());
    }

    /**
     * Device: the package for debArch ("amd64", "arm64", "armhf"; an "all" entry as fallback) of a
     * reference pinned by digest, every digest checked (index bytes against the pinned digest, the
     * manifest against the index entry's digest, the package against the layer's digest and size),
     * size ≤ maxBytes, written to target atomically (temp file + rename, no partial file left on
     * any failure).
     */
    public Fetched fetch(String pinnedRef, String debArch, RegistryAuth auth, Path target, long maxBytes)
            throws RegistryException {
        Ref r = Ref.parse(pinnedRef);
        if (!r.pinned()) {
            throw new RegistryException(pinnedRef + " is not pinned by digest; give HOST/REPO@sha256:… "
                    + "(berth fleet agent-package push prints it)");
        }
        RegistrySession session = client.session(r.host(), r.repository(), auth, false);
        byte[] indexBytes = session.manifest(r.reference()).body();
        check(pinnedRef, r.reference(), sha256(indexBytes));
        Index index = AgentArtifact.readIndex(indexBytes, pinnedRef);
        Entry entry = AgentArtifact.pick(index, debArch, pinnedRef);

        String manifestName = session.name(entry.digest()) + " (" + entry.architecture() + ")";
        byte[] manifestBytes = session.manifest(entry.digest()).body();
        check(manifestName, entry.digest(), sha256(manifestBytes));
        AgentArtifact.Manifest manifest = AgentArtifact.readManifest(manifestBytes, manifestName);
        byte[] config = session.blobBytes(manifest.config().digest(), MAX_CONFIG);
        check(manifestName + " config", manifest.config().digest(), sha256(config));
        String version = AgentArtifact.readConfig(config, manifestName + " config");
        if (!version.equals(index.version())) {
            throw new RegistryException(pinnedRef + " is inconsistent: its index names version " + index.version()
                    + " and its " + entry.architecture() + " package " + version + "; push the packages again");
        }

        Descriptor layer = manifest.layer();
        String packageName = "the " + entry.architecture() + " package of " + pinnedRef;
        if (layer.size() > maxBytes) {
            throw new RegistryException(packageName + " is " + layer.size() + " bytes, more than the " + maxBytes
                    + " allowed; free space or raise the limit, or push a smaller package");
        }
        return download(session, layer, packageName, target, maxBytes, version);
    }

    private static Fetched download(RegistrySession session, Descriptor layer, String name, Path target, long maxBytes,
                                    String version) throws RegistryException {
        Path file = target.toAbsolutePath();
        Path temp = null;
        boolean done = false;
        try {
            Files.createDirectories(file.getParent());
            // one fixed name beside the target: an exit mid-download leaves at most this one, which the
            // next download overwrites and the agent update's start-up clean-up removes
            temp = file.resolveSibling("." + file.getFileName() + ".part");
            Blob blob = session.blob(layer.digest(), temp, maxBytes);
            check(name, layer.digest(), blob.digest());
            if (blob.size() != layer.size()) {
                throw new RegistryException(name + " is " + blob.size() + " bytes where its manifest says "
                        + layer.size() + "; nothing was kept: check the registry, or push the package again");
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
            return new Fetched(target, blob.digest().substring("sha256:".length()), blob.size(), version);
        } catch (IOException e) {
            throw new RegistryException("writing " + name + " to " + file + " failed: " + e.getMessage()
                    + "; check the disk (space, permissions)", e);
        } finally {
            if (!done && temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // best effort: the next download overwrites it
                }
            }
        }
    }

    /** Fails when the bytes' digest is not the one they were asked by. */
    static void check(String what, String expected, String actual) throws RegistryException {
        if (!expected.equals(actual)) {
            throw new RegistryException(what + ": digest mismatch: expected " + expected + ", got " + actual
                    + "; the registry (or something on the way) served other bytes than the reference pins, and "
                    + "nothing was kept: check the registry and the network path, or push the packages again");
        }
    }

    private static List<DebPackage> packages(List<Path> debs) throws RegistryException {
        if (debs.isEmpty()) {
            throw new RegistryException("no package given; give one berth_VERSION_ARCH.deb per architecture");
        }
        List<DebPackage> packages = new ArrayList<>();
        for (Path deb : debs) {
            DebPackage p = DebPackage.read(deb);
            for (DebPackage other : packages) {
                if (!other.version().equals(p.version())) {
                    throw new RegistryException(deb + " is version " + p.version() + " and " + other.file() + " "
                            + other.version() + "; one artifact holds one version: push each version to its own tag");
                }
                if (other.architecture().equals(p.architecture())) {
                    throw new RegistryException(deb + " and " + other.file() + " are both for " + p.architecture()
                            + "; give one package per architecture");
                }
            }
            packages.add(p);
        }
        return packages;
    }

    private static String digestOf(Path file) throws RegistryException {
        MessageDigest sha = RegistryClient.digester();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new RegistryException("reading " + file + " failed: " + e.getMessage(), e);
        }
        return "sha256:" + HexFormat.of().formatHex(sha.digest());
    }

    private static long size(Path file) throws RegistryException {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new RegistryException("reading " + file + " failed: " + e.getMessage(), e);
        }
    }

    /** A reference split: the registry host (named, never Docker Hub by default), the repository, the tag or digest. */
    record Ref(String host, String repository, String reference) {
        private static final Pattern REPOSITORY = Pattern.compile(
                "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
        private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|sha256:[0-9a-f]{64}");

        static Ref parse(String ref) throws RegistryException {
            String host = ImageRef.registryOf(ref);
            if (!ref.startsWith(host + "/")) {
                throw new RegistryException("'" + ref + "' names no registry host; give HOST/REPO:TAG, e.g. "
                        + "registry.example.com/berth/agent:0.7.0");
            }
            int at = ref.indexOf('@');
            String name = at < 0 ? ref : ref.substring(0, at);
            boolean tagged = name.lastIndexOf(':') > name.lastIndexOf('/');
            if (at >= 0 && tagged) {
                throw new RegistryException("'" + ref + "' has a tag and a digest: drop the tag, the digest alone names "
                        + "the package (HOST/REPO@sha256:<64 hex>)");
            }
            if (at < 0 && tagged && ref.endsWith(":")) {
                throw new RegistryException("'" + ref + "' has an empty tag; give HOST/REPO:TAG, e.g. "
                        + "registry.example.com/berth/agent:0.7.0");
            }
            String repository = ImageRef.repositoryOf(ref).substring(host.length() + 1);
            String reference = ImageRef.tagOf(ref);
            if (!REPOSITORY.matcher(repository).matches() || !TAG.matcher(reference).matches()
                    || at >= 0 && !reference.startsWith("sha256:")) {
                throw new RegistryException("'" + ref + "' is not a reference; give HOST/REPO:TAG or HOST/REPO@sha256:<64 hex> "
                        + "(the repository in lower case)");
            }
            return new Ref(host, repository, reference);
        }

        boolean pinned() {
            return reference.startsWith("sha256:");
        }

        String pin(String digest) {
            return host + "/" + repository + "@" + digest;
        }
    }
}
