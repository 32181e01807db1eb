package io.berth.spec;

import static io.berth.spec.SpecFixtures.desired;
import static io.berth.spec.SpecFixtures.errors;
import static io.berth.spec.SpecFixtures.web;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.berth.model.DesiredState;
import io.berth.model.Mount;
import io.berth.model.PortBinding;
import io.berth.model.RegistryAuth;
import io.berth.model.RestartPolicy;
import io.berth.model.RunState;
import io.berth.model.Secret;
import io.berth.model.ServiceSpec;
import io.berth.model.VolumeSpec;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** PROTOCOL.md §3: what a desired document may say, and every way it can be wrong, with its JSON path. */
class DocumentParserTest {

    @Nested
    class GoodDocuments {

        @Test
        void theDemoDocumentParses() throws IOException {
            DesiredState state = desired(Files.readString(demoDocument()));

            assertEquals(1, state.revision());
            assertEquals(List.of("web"), List.copyOf(state.services().keySet()));
            ServiceSpec web = state.services().get("web");
            assertAll(
                    () -> assertEquals("web", web.name()),
                    () -> assertEquals("web", web.containerName(), "container name defaults to the service name"),
                    () -> assertEquals("127.0.0.1:5000/demo/busybox:1", web.image()),
                    () -> assertEquals(List.of("httpd", "-f", "-p", "80", "-h", "/www"), web.command()),
                    () -> assertNull(web.entrypoint()),
                    () -> assertEquals(List.of(new PortBinding("127.0.0.1", 18080, 80, "tcp")), web.ports()),
                    () -> assertEquals(List.of(new Mount(Mount.Type.VOLUME, "web-data", "/data", false)),
                            web.mounts()),
                    () -> assertEquals(Map.of("MODE", "demo"), web.environment()),
                    () -> assertEquals(new RestartPolicy(RestartPolicy.Kind.UNLESS_STOPPED, 0), web.restart()),
                    () -> assertEquals(RunState.RUNNING, web.state()),
                    () -> assertEquals(Map.of("web-data", new VolumeSpec("web-data", null, null, null)),
                            state.volumes()),
                    () -> assertEquals(Map.of(), state.registries()));
        }

        @Test
        void theUpdateSectionIsReadWithItsDefaults() {
            DesiredState none = desired("""
                    {"revision": 1, "services": {}}""");
            assertEquals(io.berth.model.UpdatePolicy.DEFAULT, none.update());
            DesiredState given = desired("""
                    {"revision": 1, "services": {}, "update": {"strategy": "kill-then-download", "rollback": false,
                     "healthTimeout": "1m30s", "x-note": "ignored"}}""");
            assertEquals(new io.berth.model.UpdatePolicy("kill-then-download", false, java.time.Duration.ofSeconds(90)),
                    given.update());
            assertEquals(java.time.Duration.ofSeconds(45), desired("""
                    {"revision": 1, "services": {}, "update": {"healthTimeout": 45}}""").update().healthTimeout());
        }

        @Test
        void theDefaultHealthTimeoutLeavesTheHealthcheckTimeToPass() {
            DesiredState d = desired("""
                    {"revision": 1, "services": {
                      "quick": {"image": "busybox"},
                      "slow": {"image": "busybox", "healthcheck": {"test": ["CMD", "true"], "interval": "30s",
                               "timeout": "10s", "retries": 5, "start_period": "1m"}}}}""");
            io.berth.model.UpdatePolicy policy = d.update();
            assertEquals(java.time.Duration.ofSeconds(60), policy.healthTimeoutFor(d.services().get("quick")));
            assertEquals(java.time.Duration.ofSeconds(60 + 40 * 6), policy.healthTimeoutFor(d.services().get("slow")));
        }

        @Test
        void anEmptyServicesMapRunsNothing() {
            DesiredState state = desired("""
                    {"revision": 9, "services": {}}""");
            assertEquals(9, state.revision());
            assertTrue(state.services().isEmpty());
            assertTrue(state.volumes().isEmpty());
        }

        @Test
        void environmentAsMapTurnsNumbersAndBooleansIntoStrings() {
            ServiceSpec spec = web("""
                    {"image": "busybox", "environment": {"MODE": "prod", "PORT": 8080, "DEBUG": true,
                     "RATIO": 1.5, "OFF": false, "EMPTY": ""}}""");
            assertEquals(Map.of("MODE", "prod", "PORT", "8080", "DEBUG", "true", "RATIO", "1.5", "OFF", "false",
                    "EMPTY", ""), spec.environment());
        }

        @Test
        void environmentAsKeyValueList() {
            ServiceSpec spec = web("""
                    {"image": "busybox", "environment": ["MODE=prod", "URL=http://x/?a=b", "EMPTY=", "SPACED=a b"]}""");
            assertEquals(Map.of("MODE", "prod", "URL", "http://x/?a=b", "EMPTY", "", "SPACED", "a b"),
                    spec.environment(), "only the first '=' splits");
        }

        @Test
        void commandAsStringIsSplitLikeAShell() {
            ServiceSpec spec = web("""
                    {"image": "busybox", "command": "sh -c 'echo \\"hello world\\" $HOME' \\"a b\\" c\\\\ d  e"}""");
            assertEquals(List.of("sh", "-c", "echo \"hello world\" $HOME", "a b", "c d", "e"), spec.command());
        }

        @Test
        void commandAndEntrypointAsLists() {
            ServiceSpec spec = web("""
                    {"image": "busybox", "entrypoint": ["/bin/sh", "-c"], "command": ["sleep", 10, "a b"]}""");
            assertEquals(List.of("/bin/sh", "-c"), spec.entrypoint());
            assertEquals(List.of("sleep", "10", "a b"), spec.command());
        }

        @Test
        void entrypointAsString() {
            assertEquals(List.of("/docker-entrypoint.sh", "--verbose"),
                    web("{\"image\": \"busybox\", \"entrypoint\": \"/docker-entrypoint.sh --verbose\"}").entrypoint());
        }

        @Test
        void portsShortSyntax() {
            ServiceSpec spec = web("""
                    {"image": "busybox", "ports": [
                      "127.0.0.1:18080:80",
                      "80",
                      9090,
                      "53/udp",
                      "127.0.0.1::8443",
                      "127.0.0.1:5353:53/udp",
                      "9000-9001:90-91",
                      "7000-7001",
                      "[::1]:6060:60",
                      "127.0.0.1:2000:20/sctp"
                    ]}""");
            assertEquals(List.of(
                    new PortBinding("127.0.0.1", 18080, 80, "tcp"),
                    new PortBinding("", 0, 80, "tcp"),
                    new PortBinding("", 0, 9090, "tcp"),
                    new PortBinding("", 0, 53, "udp"),
                    new PortBinding("127.0.0.1", 0, 8443, "tcp"),
                    new PortBinding("127.0.0.1", 5353, 53, "udp"),
                    new PortBinding("", 9000, 90, "tcp"),
                    new PortBinding("", 9001, 91, "tcp"),
                    new PortBinding("", 0, 7000, "tcp"),
                    new PortBinding("", 0, 7001, "tcp"),
                    new PortBinding("::1", 6060, 60, "tcp"),
                    new PortBinding("127.0.0.1", 2000, 20, "sctp")), spec.ports());
        }

        @Test
        void portsHostToContainerWithoutIp() {
            ServiceSpec spec = web("""
                    {"image": "busybox", "ports": ["8080:80", "5353:53/udp", 8081]}""");
            assertEquals(List.of(
                    new PortBinding("", 8080, 80, "tcp"),
                    new PortBinding("", 5353, 53, "udp"),
                    new PortBinding("", 0, 8081, "tcp")), spec.ports());
        }

        @Test
        void volumesNamedAndAbsoluteBindWithModes() {
            ServiceSpec spec = web("""
                    {"image": "busybox", "volumes": ["data:/data", "logs:/var/log:ro", "/srv/www:/www:ro",
                     "/etc/localtime:/etc/localtime", "web-data:/cache:rw"]}""");
            assertEquals(List.of(
                    new Mount(Mount.Type.VOLUME, "data", "/data", false),
                    new Mount(Mount.Type.VOLUME, "logs", "/var/log", true),
                    new Mount(Mount.Type.BIND, "/srv/www", "/www", true),
                    new Mount(Mount.Type.BIND, "/etc/localtime", "/etc/localtime", false),
                    new Mount(Mount.Type.VOLUME, "web-data", "/cache", false)), spec.mounts());
        }

        @Test
        void topLevelVolumeOptions() {
            DesiredState state = desired("""
                    {"revision": 1, "services": {},
                     "volumes": {"a": {}, "b": null, "c": {"driver": "local", "driver_opts": {"type": "tmpfs",
                       "size": 100}, "labels": {"team": "edge"}, "x-note": "ignored"}}}""");
            assertEquals(new VolumeSpec("a", null, null, null), state.volumes().get("a"));
            assertEquals(new VolumeSpec("b", null, null, null), state.volumes().get("b"));
            assertEquals(new VolumeSpec("c", "local", new java.util.TreeMap<>(Map.of("type", "tmpfs", "size", "100")),
                    new java.util.TreeMap<>(Map.of("team", "edge"))), state.volumes().get("c"));
        }

        @ParameterizedTest(name = "restart {0}")
        @CsvSource({
                "no,             NO,             0",
                "always,         ALWAYS,         0",
                "on-failure,     ON_FAILURE,     0",
                "on-failure:3,   ON_FAILURE,     3",
                "unless-stopped, UNLESS_STOPPED, 0"})
        void restartPolicies(String text, RestartPolicy.Kind kind, int maxRetries) {
            ServiceSpec spec = web("{\"image\": \"busybox\", \"restart\": \"" + text + "\"}");
            assertEquals(new RestartPolicy(kind, maxRetries), spec.restart());
            assertEquals(text, spec.restart().toString(), "prints back as Compose writes it");
        }

        @Test
        void defaults() {
            ServiceSpec spec = web("{\"image\": \"busybox\"}");
            assertAll(
                    () -> assertEquals(RestartPolicy.NO, spec.restart()),
                    () -> assertEquals(RunState.RUNNING, spec.state()),
                    () -> assertEquals("web", spec.containerName()),
                    () -> assertNull(spec.command()),
                    () -> assertNull(spec.entrypoint()),
                    () -> assertEquals(Map.of(), spec.environment()),
                    () -> assertEquals(List.of(), spec.ports()),
                    () -> assertEquals(List.of(), spec.mounts()));
        }

        @Test
        void nullsMeanTheDefault() {
            ServiceSpec spec = web("""
                    {"image": "busybox", "command": null, "entrypoint": null, "environment": null,
                     "ports": null, "volumes": null}""");
            assertNull(spec.command());
            assertNull(spec.entrypoint());
            assertEquals(Map.of(), spec.environment());
            assertEquals(List.of(), spec.ports());
            assertEquals(List.of(), spec.mounts());
        }

        @Test
        void stateStopped() {
            assertEquals(RunState.STOPPED, web("{\"image\": \"busybox\", \"state\": \"stopped\"}").state());
            assertEquals(RunState.RUNNING, web("{\"image\": \"busybox\", \"state\": \"running\"}").state());
        }

        @Test
        void containerName() {
            ServiceSpec spec = web("{\"image\": \"busybox\", \"container_name\": \"edge-web.1\"}");
            assertEquals("edge-web.1", spec.containerName());
            assertEquals("web", spec.name());
        }

        @Test
        void extensionKeysAreIgnoredEverywhere() {
            DesiredState state = desired("""
                    {"revision": 2, "x-common": {"anything": [1, 2]},
                     "services": {"web": {"image": "busybox", "x-owner": "team-a", "x-notes": {"a": 1}}},
                     "volumes": {"data": {"x-backup": true}},
                     "registries": {"r.example.com": {"username": "u", "password": "p", "x-rotated": "2026"}}}""");
            assertEquals(2, state.revision());
            assertEquals(web("{\"image\": \"busybox\"}"), state.services().get("web"));
        }

        @Test
        void versionAndNameAreAcceptedAndIgnored() {
            DesiredState state = desired("""
                    {"version": "3.8", "name": "demo", "revision": 4, "services": {"web": {"image": "busybox"}}}""");
            assertEquals(4, state.revision());
            assertEquals(List.of("web"), List.copyOf(state.services().keySet()));
        }

        @Test
        void emptyNetworksAreAccepted() {
            desired("{\"revision\": 1, \"services\": {}, \"networks\": {}}");
            desired("{\"revision\": 1, \"services\": {}, \"networks\": null}");
        }

        @Test
        void registries() {
            DesiredState state = desired("""
                    {"revision": 1, "services": {"web": {"image": "127.0.0.1:5000/demo/busybox:1"}},
                     "registries": {"127.0.0.1:5000": {"username": "u", "password": "p4ss"},
                                    "docker.io": {"username": "hub", "password": "h"}}}""");
            RegistryAuth auth = state.registries().get("127.0.0.1:5000");
            assertEquals(new RegistryAuth("127.0.0.1:5000", "u", new Secret("p4ss")), auth);
            assertEquals("p4ss", auth.password().reveal());
            assertEquals(auth, state.authFor("127.0.0.1:5000/demo/busybox:1"));
            assertEquals("hub", state.authFor("busybox:1").username(), "an image without a host is docker.io's");
            assertNull(state.authFor("quay.io/x/y:1"));
        }

        @Test
        void largeRevision() {
            assertEquals(4_000_000_000L, desired("{\"revision\": 4000000000, \"services\": {}}").revision());
        }
    }

    @Nested
    class BadDocuments {

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.berth.spec.DocumentParserTest#badDocuments")
        void reportsEveryErrorWithItsPath(String name) throws Exception {
            byte[] document = readResource("/spec/bad/" + name + ".json");
            List<Expected> expected = readResource("/spec/bad/" + name + ".expected") == null
                    ? fail("spec/bad/" + name + ".json has no sibling " + name + ".expected")
                    : Expected.parse(new String(readResource("/spec/bad/" + name + ".expected"),
                            StandardCharsets.UTF_8));

            ParsedDocument parsed = DocumentParser.parseJson(document);

            ParsedDocument.Invalid invalid = assertInstanceOf(ParsedDocument.Invalid.class, parsed,
                    () -> name + ".json should be rejected");
            List<SpecError> unmatched = new ArrayList<>(invalid.errors());
            List<Expected> missing = new ArrayList<>();
            for (Expected e : expected) {
                SpecError match = unmatched.stream().filter(e::matches).findFirst().orElse(null);
                if (match == null) {
                    missing.add(e);
                } else {
                    unmatched.remove(match);
                }
            }
            if (!missing.isEmpty() || !unmatched.isEmpty()) {
                fail(name + ".json:\n  expected but not reported: " + missing
                        + "\n  reported but not expected: " + unmatched
                        + "\n  all reported:\n    " + invalid.errors().stream().map(SpecError::toString)
                        .collect(Collectors.joining("\n    ")));
            }
        }

        @Test
        void anInvalidDocumentKeepsItsRevisionForTheRejectionReport() {
            ParsedDocument parsed = DocumentParser.parseJson("""
                    {"revision": 12, "services": {"web": {}}}""".getBytes(StandardCharsets.UTF_8));
            assertEquals(12L, assertInstanceOf(ParsedDocument.Invalid.class, parsed).revision());
        }

        @Test
        void summaryNamesTheCountAndTheFirstError() {
            ParsedDocument.Invalid invalid = (ParsedDocument.Invalid) DocumentParser.parseJson("""
                    {"revision": 0, "services": {"web": {}}}""".getBytes(StandardCharsets.UTF_8));
            assertEquals("2 errors, first: revision: must be 1 or more, found 0", invalid.summary());
            ParsedDocument.Invalid one = (ParsedDocument.Invalid) DocumentParser.parseJson(
                    "[]".getBytes(StandardCharsets.UTF_8));
            assertEquals("(document): the document must be a JSON object, found a list", one.summary());
        }

        @Test
        void theErrorsListCannotBeChanged() {
            List<SpecError> errors = errors("{\"revision\": 0, \"services\": {}}");
            org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
                    () -> errors.add(new SpecError("x", "y")));
        }

        @Test
        void buildBesideImageIsIgnored() {
            ServiceSpec spec = web("{\"image\": \"busybox\", \"build\": \"./web\"}");
            assertEquals("busybox", spec.image());
        }

        @Test
        void containerNameClashingWithAnotherServicesNameIsReportedWhereItIsSet() {
            List<SpecError> errors = errors("""
                    {"revision": 1, "services": {"aa": {"image": "busybox", "container_name": "bb"},
                                                 "bb": {"image": "busybox"}}}""");
            assertEquals(1, errors.size(), errors::toString);
            assertEquals("services.aa.container_name", errors.get(0).path());
            assertTrue(errors.get(0).message().contains("'bb'"), errors::toString);
        }

        @Test
        void aContainerNameClashingWithAnotherServicesNameIsRejected() {
            List<SpecError> errors = errors("""
                    {"revision": 1, "services": {"aa": {"image": "busybox", "container_name": "bb"},
                                                 "bb": {"image": "busybox"}}}""");
            assertEquals(1, errors.size(), errors::toString);
            assertTrue(errors.get(0).message().contains("container name 'bb'"), errors::toString);
        }
    }

    /** Registry passwords never leave the parser: not in errors, not in the parsed state's toString. */
    @Nested
    class Secrets {
        private static final String PASSWORD = "hunter2-S3cr3t";

        @Test
        void secretPrintsAsStars() {
            Secret secret = new Secret(PASSWORD);
            assertEquals("***", secret.toString());
            assertEquals(PASSWORD, secret.reveal());
            assertFalse(new RegistryAuth("r", "u", secret).toString().contains(PASSWORD));
        }

        @Test
        void theParsedStateDoesNotPrintThePassword() {
            DesiredState state = desired("""
                    {"revision": 1, "services": {"web": {"image": "r.example.com/web:1"}},
                     "registries": {"r.example.com": {"username": "deploy", "password": "%s"}}}"""
                    .formatted(PASSWORD));
            assertEquals(PASSWORD, state.registries().get("r.example.com").password().reveal());
            assertFalse(state.toString().contains(PASSWORD), state::toString);
            assertFalse(state.registries().toString().contains(PASSWORD));
            assertFalse(state.authFor("r.example.com/web:1").toString().contains(PASSWORD));
            assertTrue(state.toString().contains("deploy"), "the user name is not a secret");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {
                // invalid elsewhere in the document
                "{\"revision\": 0, \"services\": {\"web\": {}}, \"registries\": {\"r\": {\"username\": \"u\", \"password\": \"%s\"}}}",
                // no user name
                "{\"revision\": 1, \"services\": {}, \"registries\": {\"r\": {\"password\": \"%s\"}}}",
                // unknown key beside the password
                "{\"revision\": 1, \"services\": {}, \"registries\": {\"r\": {\"user\": \"u\", \"password\": \"%s\"}}}",
                // password given twice
                "{\"revision\": 1, \"services\": {}, \"registries\": {\"r\": {\"username\": \"u\", \"password\": \"%s\", \"password\": \"x\"}}}",
                // password under a misspelt key: the key is named, never the value
                "{\"revision\": 1, \"services\": {}, \"registries\": {\"r\": {\"username\": \"u\", \"passwd\": \"%s\"}}}",
                // truncated document
                "{\"revision\": 1, \"services\": {}, \"registries\": {\"r\": {\"username\": \"u\", \"password\": \"%s\"}"})
        void errorsNeverShowThePassword(String template) {
            byte[] document = template.formatted(PASSWORD).getBytes(StandardCharsets.UTF_8);
            ParsedDocument.Invalid invalid = assertInstanceOf(ParsedDocument.Invalid.class,
                    DocumentParser.parseJson(document));
            assertNoPassword(invalid);
        }

        @Test
        void malformedJsonDoesNotEchoAnUnquotedPassword() {
            byte[] document = ("{\"revision\": 1, \"services\": {}, \"registries\": {\"r\": {\"username\": \"u\","
                    + " \"password\": " + PASSWORD + "}}}").getBytes(StandardCharsets.UTF_8);
            assertNoPassword(assertInstanceOf(ParsedDocument.Invalid.class, DocumentParser.parseJson(document)));
        }

        @Test
        void credentialsGivenAsAStringAreNotEchoed() {
            byte[] document = ("{\"revision\": 1, \"services\": {}, \"registries\": {\"r\": \"u:" + PASSWORD
                    + "\"}}").getBytes(StandardCharsets.UTF_8);
            assertNoPassword(assertInstanceOf(ParsedDocument.Invalid.class, DocumentParser.parseJson(document)));
        }

        @Test
        void theValidDocumentDoesNotPrintThePassword() {
            ParsedDocument parsed = DocumentParser.parseJson(("""
                    {"revision": 1, "services": {}, "registries": {"r": {"username": "u", "password": "%s"}}}"""
                    .formatted(PASSWORD)).getBytes(StandardCharsets.UTF_8));
            assertInstanceOf(ParsedDocument.Valid.class, parsed);
            assertFalse(parsed.toString().contains(PASSWORD), parsed::toString);
        }

        private void assertNoPassword(ParsedDocument.Invalid invalid) {
            assertFalse(invalid.errors().isEmpty());
            for (SpecError error : invalid.errors()) {
                assertFalse(error.toString().contains(PASSWORD) || error.toString().contains("hunter2"),
                        () -> "the password leaked into: " + error);
            }
            assertFalse(invalid.toString().contains(PASSWORD), invalid::toString);
            assertFalse(invalid.summary().contains(PASSWORD), invalid::summary);
        }
    }

    /** Every {@code spec/bad/NAME.json} with its {@code NAME.expected}: one {@code path: message-fragment} a line. */
    static Stream<String> badDocuments() throws IOException, URISyntaxException {
        URL dir = DocumentParserTest.class.getResource("/spec/bad");
        if (dir == null) {
            throw new IllegalStateException("test resources spec/bad not on the classpath");
        }
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            List<String> names = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".json"))
                    .map(n -> n.substring(0, n.length() - ".json".length()))
                    .sorted().toList();
            if (names.size() < 20) {
                throw new IllegalStateException("expected the golden bad documents in " + dir + ", found " + names);
            }
            return names.stream();
        }
    }

    /** {@code provisioning/examples/demo.json}, from the agent module dir (Maven) or the repository root (IDE). */
    static Path demoDocument() {
        for (Path candidate : List.of(Path.of("../provisioning/examples/demo.json"),
                Path.of("provisioning/examples/demo.json"))) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return fail("cannot find provisioning/examples/demo.json from " + Path.of("").toAbsolutePath());
    }

    private static byte[] readResource(String name) throws IOException {
        try (var in = DocumentParserTest.class.getResourceAsStream(name)) {
            return in == null ? null : in.readAllBytes();
        }
    }

    /** One line of a {@code .expected} file: {@code path: message-fragment}; {@code (document)} is the root. */
    record Expected(String path, String fragment) {
        static List<Expected> parse(String text) {
            List<Expected> out = new ArrayList<>();
            for (String line : text.split("\n")) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                int colon = l.indexOf(": ");
                if (colon < 0) {
                    throw new IllegalArgumentException("expected 'path: message-fragment', got: " + l);
                }
                String path = l.substring(0, colon);
                out.add(new Expected(path.equals("(document)") ? "" : path, l.substring(colon + 2)));
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("an .expected file must name at least one error");
            }
            return out;
        }

        boolean matches(SpecError error) {
            return error.path().equals(path) && error.message().contains(fragment);
        }

        @Override
        public String toString() {
            return (path.isEmpty() ? "(document)" : path) + ": …" + fragment + "…";
        }
    }
}
