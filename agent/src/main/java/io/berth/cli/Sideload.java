package io.berth.cli;

import io.berth.support.Args;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.engine.EngineSocket;
import io.berth.engine.http.EngineHttp;
import io.berth.localapi.ControlClient;
import io.berth.sideload.ImageArchive;
import io.berth.spec.DocumentParser;
import io.berth.spec.ParsedDocument;
import io.berth.spec.SpecError;
import io.berth.support.Version;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Offline sideload: {@code berth load FILE}, {@code berth bundle create}, and bundles for {@code berth apply}. */
final class Sideload {
    static final String LOAD_HELP = """
            Usage: berth load FILE

            Loads images from a 'docker save' archive (plain, .tar.gz or .tar.xz) or a Berth
            bundle into the engine, through the agent: the file is streamed over the control
            socket, so any file this user can read works. The archive is checked whole
            first (manifest present, every layer complete and matching its digest); a
            bundle's document is checked as a published one would be (signature, target,
            policy, revision) and only the images it names are tagged. A truncated or
            changed archive, or a refused document, loads nothing. On a device with
            trusted keys, only bundles with a signed document load.
            """;
    static final String BUNDLE_HELP = """
            Usage: berth bundle create -o FILE [--force] DOC

            On a machine with the images present (an operator's), writes one archive with
            the desired document DOC (JSON or Compose YAML) and every image it needs, for
            'berth apply FILE' on a device without a registry in reach. The document may
            hold registry credentials: the archive is written with mode 0600. An existing
            FILE is replaced only with --force.
            """;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Sideload() {}

    /** Whether a file is an archive (tar, gzip or xz) rather than a document. */
    static boolean isArchive(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(512);
            if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
                return true;
            }
            if (head.length >= 6 && (head[0] & 0xff) == 0xfd && head[1] == '7' && head[2] == 'z') {
                return true;
            }
            return head.length >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Streams an archive to the agent over its socket, to check and load; returns its answer.
     * The agent needs no path of ours (a home or /tmp it may not see under its unit's
     * ProtectHome/PrivateTmp), and what it checks is what it loads. The bytes sent show on
     * {@code progress}.
     */
    static JsonNode load(ControlClient client, Path file, Progress progress) throws IOException {
        long size = Files.size(file);
        String task = "send " + file.getFileName();
        try (InputStream in = new java.io.FilterInputStream(Files.newInputStream(file)) {
            private long sent;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    progress.update(task, sent += n, size);
                    if (sent == size) {
                        progress.done(task, Progress.bytes(size) + " sent; the agent checks every layer and loads");
                    }
                }
                return n;
            }
        }) {
            ObjectNode request = JSON.createObjectNode().put("size", size)
                    .put("name", file.getFileName().toString());
            return client.upload("load", request, in);
        }
    }

    static int loadVerb(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.contains("-h") || args.contains("--help")) {
            out.print(LOAD_HELP);
            return AgentVerbs.OK;
        }
        if (args.size() != 1 || args.get(0).startsWith("-")) {
            err.println("berth load: which archive? berth load FILE");
            return AgentVerbs.USAGE;
        }
        Path file = Path.of(args.get(0));
        if (!Files.isReadable(file)) {
            err.println("berth load: cannot read " + file);
            return AgentVerbs.USAGE;
        }
        ControlClient client = new ControlClient(AgentVerbs.socket(env));
        try {
            JsonNode result = load(client, file, Progress.detect(err, env));
            out.println("loaded " + result.path("images").size() + " image(s) (" + result.path("layers").asLong()
                    + " layers checked): " + String.join(", ", texts(result.path("images"))));
            return AgentVerbs.OK;
        } catch (ControlClient.UnreachableException e) {
            err.println(AgentVerbs.unreachable(client.socket(), e));
            return AgentVerbs.UNREACHABLE;
        } catch (IOException e) {
            err.println("berth load: " + e.getMessage());
            return AgentVerbs.FAILED;
        }
    }

    static int bundleVerb(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.contains("-h") || args.contains("--help") || args.isEmpty()) {
            (args.isEmpty() ? err : out).print(BUNDLE_HELP);
            return args.isEmpty() ? AgentVerbs.USAGE : AgentVerbs.OK;
        }
        Args a;
        ComposeArgs compose;
        try {
            if (!args.get(0).equals("create")) {
                throw new Args.UsageException("unknown bundle command '" + args.get(0) + "'");
            }
            compose = ComposeArgs.extract(args.subList(1, args.size()));
            a = Args.parse(compose.rest(), Set.of("--force"), Set.of("--output"), Map.of("-o", "--output"));
            if (compose.filesWith(a.positional).isEmpty() || a.positional.size() > 1 || a.value("--output") == null) {
                throw new Args.UsageException("give the output file and one document (or -f FILE [-f FILE…])");
            }
            OutputFiles.check(Path.of(a.value("--output")), a.has("--force"));
        } catch (Args.UsageException e) {
            err.println("berth bundle: " + e.getMessage());
            err.print(BUNDLE_HELP);
            return AgentVerbs.USAGE;
        }
        List<Path> files = compose.filesWith(a.positional);
        Path doc = files.get(0);
        Path output = Path.of(a.value("--output"));
        JsonNode tree;
        tree = ComposeFile.readForSending(files, compose.profiles(), env, "bundle", err);
        if (tree == null) {
            return AgentVerbs.FAILED;
        }
        if (tree == null || !tree.isObject()) {
            err.println("berth bundle: " + doc + " does not hold a desired document");
            return AgentVerbs.FAILED;
        }
        ObjectNode check = ((ObjectNode) tree).deepCopy();
        if (!check.has("revision")) {
            check.put("revision", 1); // apply fills in the device's next one
        }
        ParsedDocument parsed = DocumentParser.parse(check);
        if (parsed instanceof ParsedDocument.Invalid invalid) {
            err.println("berth bundle: " + doc + " is not valid:");
            for (SpecError e : invalid.errors()) {
                err.println("  " + e);
            }
            return AgentVerbs.FAILED;
        }
        Set<String> images = new TreeSet<>();
        ((ParsedDocument.Valid) parsed).state().services().values().forEach(s -> images.add(s.image()));
        String dockerHost = env.getOrDefault("BERTH_DOCKER_HOST", "unix:///var/run/docker.sock");
        try {
            write(output, a.has("--force"), tree, images, new EngineHttp(dockerHost), Progress.detect(err, env));
        } catch (IOException e) {
            err.println("berth bundle: " + e.getMessage());
            return AgentVerbs.FAILED;
        }
        out.println("wrote " + output + " with the document and " + images.size() + " image(s): "
                + String.join(", ", images));
        return AgentVerbs.OK;
    }

    private static void write(Path output, boolean force, JsonNode document, Set<String> images, EngineSocket engine,
                              Progress progress) throws IOException {
        Path dir = output.toAbsolutePath().getParent();
        Path save = Files.createTempFile(dir, ".berth-images", ".tar");
        Path temp = dir.resolve("." + output.getFileName() + ".tmp");
        try {
            StringBuilder query = new StringBuilder("/images/get");
            String sep = "?";
            for (String image : images) {
                query.append(sep).append("names=").append(URLEncoder.encode(image, StandardCharsets.UTF_8));
                sep = "&";
            }
            try {
                long total = 0; // the images' sizes: about what 'docker save' writes
                for (String image : images) {
                    total += engine.get("/images/" + URLEncoder.encode(image, StandardCharsets.UTF_8) + "/json")
                            .path("Size").asLong();
                }
                long expected = total;
                String task = "save " + images.size() + " image(s)";
                long saved = engine.download(query.toString(), save, bytes -> progress.update(task, bytes, expected));
                progress.done(task, Progress.bytes(saved));
            } catch (IOException e) {
                throw new IOException("cannot save the images " + images + " from the engine (are they all present? "
                        + "docker pull them first): " + e.getMessage(), e);
            }
            ImageArchive.Contents saved = ImageArchive.check(save);
            for (String image : images) {
                if (!saved.images().contains(image)) {
                    throw new IOException("the engine saved no image " + image + "; docker pull it first");
                }
            }
            ObjectNode meta = JSON.createObjectNode();
            meta.put("format", 1);
            meta.put("created", Instant.now().toString());
            meta.put("berth", Version.current());
            meta.set("images", JSON.valueToTree(images));
            ObjectNode digests = meta.putObject("digests"); // each tag pinned to its image's config (its id)
            for (ImageArchive.Image image : saved.manifest()) {
                image.tags().stream().filter(images::contains).forEach(t -> digests.put(t, "sha256:"
                        + image.configDigest()));
            }
            Files.deleteIfExists(temp);
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream os = Files.newOutputStream(temp);
                 GzipCompressorOutputStream gz = new GzipCompressorOutputStream(os);
                 TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                entry(tar, ImageArchive.BUNDLE_META, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
                entry(tar, ImageArchive.BUNDLE_DOCUMENT, JSON.writerWithDefaultPrettyPrinter()
                        .writeValueAsBytes(document));
                TarArchiveEntry images1 = new TarArchiveEntry(ImageArchive.BUNDLE_IMAGES);
                images1.setSize(Files.size(save));
                images1.setMode(0600);
                tar.putArchiveEntry(images1);
                Files.copy(save, tar);
                tar.closeArchiveEntry();
            }
            OutputFiles.place(temp, output, force);
        } finally {
            Files.deleteIfExists(save);
            Files.deleteIfExists(temp);
        }
    }

    private static void entry(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        e.setMode(0600);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static List<String> texts(JsonNode array) {
        List<String> list = new java.util.ArrayList<>();
        array.forEach(n -> list.add(n.asText()));
        return list;
    }
}
