package io.berth.spec;

import static io.berth.spec.SpecFixtures.desired;
import static io.berth.spec.SpecFixtures.errors;
import static io.berth.spec.SpecFixtures.web;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.model.DesiredState;
import io.berth.model.Mount;
import io.berth.model.NetworkSpec;
import io.berth.model.PortBinding;
import io.berth.model.ServiceOptions;
import io.berth.model.ServiceSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PROTOCOL.md §3: every Compose service key, and one canonical record for equivalent spellings. */
class ServiceKeysTest {

    @Nested
    class EquivalentSpellingsHashEqually {

        @ParameterizedTest(name = "{0}  ==  {1}")
        @CsvSource(delimiter = '|', value = {
            "\"mem_limit\": \"1g\"                          | \"mem_limit\": \"1024m\"",
            "\"mem_limit\": \"1g\"                          | \"deploy\": {\"resources\": {\"limits\": {\"memory\": \"1GB\"}}}",
            "\"mem_limit\": 1073741824                      | \"mem_limit\": \"1048576k\"",
            "\"cpus\": 0.5                                  | \"cpus\": \"0.50\"",
            "\"cpus\": 2                                    | \"deploy\": {\"resources\": {\"limits\": {\"cpus\": \"2\"}}}",
            "\"ports\": [\"127.0.0.1:8080:80\"]             | \"ports\": [{\"target\": 80, \"published\": \"8080\", \"host_ip\": \"127.0.0.1\", \"protocol\": \"tcp\"}]",
            "\"ports\": [\"8080:80\", \"53:53/udp\"]        | \"ports\": [\"53:53/udp\", \"0.0.0.0:8080:80/tcp\"]",
            "\"ports\": [\"9000-9001:90-91\"]               | \"ports\": [\"9000:90\", \"9001:91\"]",
            "\"volumes\": [\"data:/data:ro\"]               | \"volumes\": [{\"type\": \"volume\", \"source\": \"data\", \"target\": \"/data\", \"read_only\": true}]",
            "\"volumes\": [\"/srv:/srv:rslave\"]            | \"volumes\": [{\"type\": \"bind\", \"source\": \"/srv\", \"target\": \"/srv\", \"bind\": {\"propagation\": \"rslave\"}}]",
            "\"volumes\": [\"/srv:/srv:cached\"]            | \"volumes\": [\"/srv:/srv\"]",
            "\"volumes\": [\"./conf/../conf:/c\"]           | \"volumes\": [{\"type\": \"bind\", \"source\": \"./conf\", \"target\": \"/c\"}]",
            "\"environment\": {\"A\": 1, \"B\": true}       | \"environment\": [\"B=true\", \"A=1\"]",
            "\"labels\": {\"a\": \"1\"}                     | \"labels\": [\"a=1\"]",
            "\"cap_add\": [\"CAP_NET_ADMIN\", \"SYS_TIME\"] | \"cap_add\": [\"sys_time\", \"NET_ADMIN\"]",
            "\"stop_signal\": \"TERM\"                      | \"stop_signal\": \"sigterm\"",
            "\"stop_grace_period\": \"90s\"                 | \"stop_grace_period\": \"1m30s\"",
            "\"depends_on\": [\"db\"]                       | \"depends_on\": {\"db\": {\"condition\": \"service_started\"}}",
            "\"extra_hosts\": [\"gw:10.0.0.1\"]             | \"extra_hosts\": {\"gw\": \"10.0.0.1\"}",
            "\"extra_hosts\": [\"gw=10.0.0.1\"]             | \"extra_hosts\": [\"gw:10.0.0.1\"]",
            "\"dns\": \"8.8.8.8\"                           | \"dns\": [\"8.8.8.8\"]",
            "\"expose\": [80, \"81/tcp\"]                   | \"expose\": [\"81\", \"80\"]",
            "\"privileged\": false, \"tty\": false          | \"x-note\": 1",
            "\"healthcheck\": {\"test\": \"curl -f x\"}     | \"healthcheck\": {\"test\": [\"CMD-SHELL\", \"curl -f x\"]}",
            "\"healthcheck\": {\"disable\": true}           | \"healthcheck\": {\"test\": [\"NONE\"]}",
            "\"ulimits\": {\"nofile\": 100}                 | \"ulimits\": {\"nofile\": {\"soft\": 100, \"hard\": 100}}",
            "\"devices\": [\"/dev/ttyUSB0\"]                | \"devices\": [{\"source\": \"/dev/ttyUSB0\", \"target\": \"/dev/ttyUSB0\", \"permissions\": \"rwm\"}]",
            "\"pull_policy\": \"if_not_present\"            | \"pull_policy\": \"missing\"",
            "\"build\": \"./web\"                           | \"x-build\": \"ignored\"",
        })
        void sameHash(String a, String b) {
            ServiceSpec left = web(a);
            ServiceSpec right = web(b);
            assertEquals(left.options(), right.options());
            assertEquals(left.hash(), right.hash(), () -> left + "\n" + right);
        }

        private ServiceSpec web(String keys) {
            return desired("{\"revision\": 1, \"services\": {\"web\": {\"image\": \"busybox\", " + keys + "},"
                    + " \"db\": {\"image\": \"busybox\"}}, \"volumes\": {\"data\": {}}}").services().get("web");
        }

        @Test
        void aServiceWithoutTheNewKeysKeepsTheHashItAlwaysHad() {
            // the hash the walking skeleton computed for the demo service (ServiceSpecHashTest pins more);
            // on the engine's bridge, as every service was before the default network
            ServiceSpec plain = SpecFixtures.web("{\"image\": \"busybox\", \"network_mode\": \"bridge\"}");
            ServiceSpec same = new ServiceSpec(plain.name(), plain.containerName(), plain.image(), plain.command(),
                    plain.entrypoint(), plain.environment(), plain.ports(), plain.mounts(), plain.restart(),
                    plain.state(), bridge());
            assertEquals(same.options(), plain.options());
            assertEquals(plain.hash(), same.hash());
        }

        private static ServiceOptions bridge() {
            ServiceOptions.Builder b = new ServiceOptions.Builder();
            b.networkMode = "bridge";
            return b.build();
        }

        @Test
        void aServiceThatNamesNoNetworkJoinsTheDefaultOneAndSoIsRecreatedOnceOnUpgrade() {
            ServiceSpec plain = SpecFixtures.web("{\"image\": \"busybox\"}");
            assertEquals(List.of("berth_default"), List.copyOf(plain.options().networks().keySet()));
            ServiceSpec before = new ServiceSpec(plain.name(), plain.containerName(), plain.image(), plain.command(),
                    plain.entrypoint(), plain.environment(), plain.ports(), plain.mounts(), plain.restart(),
                    plain.state());
            assertNotEquals(before.hash(), plain.hash());
        }

        @Test
        void aDifferentValueChangesTheHash() {
            assertNotEquals(SpecFixtures.web("{\"image\": \"busybox\", \"mem_limit\": \"1g\"}").hash(),
                    SpecFixtures.web("{\"image\": \"busybox\", \"mem_limit\": \"2g\"}").hash());
            assertNotEquals(SpecFixtures.web("{\"image\": \"busybox\"}").hash(),
                    SpecFixtures.web("{\"image\": \"busybox\", \"privileged\": true}").hash());
        }
    }

    @Nested
    class Mapping {

        @Test
        void sizesDurationsAndCpusAreNormalized() {
            ServiceOptions o = SpecFixtures.web("""
                    {"image": "busybox", "mem_limit": "1.5g", "shm_size": "64m", "cpus": "1.25",
                     "stop_grace_period": "500ms", "healthcheck": {"test": ["CMD", "true"], "interval": "1m30s",
                     "retries": 2}}""").options();
            assertAll(
                    () -> assertEquals(1610612736L, o.memLimit()),
                    () -> assertEquals(64L << 20, o.shmSize()),
                    () -> assertEquals(1_250_000_000L, o.nanoCpus()),
                    () -> assertEquals(500_000_000L, o.stopGraceNanos()),
                    () -> assertEquals(90_000_000_000L, o.healthcheck().intervalNanos()),
                    () -> assertEquals(List.of("CMD", "true"), o.healthcheck().test()));
        }

        @Test
        void referencesToOtherServicesBecomeTheirContainerNames() {
            DesiredState d = desired("""
                    {"revision": 1, "services": {
                      "web": {"image": "busybox", "container_name": "web-1", "ipc": "shareable"},
                      "side": {"image": "busybox", "network_mode": "service:web", "volumes_from": ["web:ro"],
                               "links": ["web", "web:www"], "ipc": "service:web", "pid": "service:web"}}}""");
            ServiceOptions o = d.services().get("side").options();
            assertAll(
                    () -> assertEquals("container:web-1", o.networkMode()),
                    () -> assertEquals(List.of("web-1:ro"), o.volumesFrom()),
                    () -> assertEquals(List.of("web-1:web", "web-1:www"), List.copyOf(o.links())),
                    () -> assertEquals("container:web-1", o.ipc()),
                    () -> assertEquals("container:web-1", o.pid()));
        }

        @Test
        void networksAndVolumesUseTheirEngineNames() {
            DesiredState d = desired("""
                    {"revision": 1, "services": {"web": {"image": "busybox", "networks": {"back": {"aliases": ["w"]}},
                      "volumes": ["data:/data"]}},
                     "volumes": {"data": {"name": "site-data"}},
                     "networks": {"back": {"name": "site-back", "internal": true,
                                           "ipam": {"config": [{"subnet": "10.9.0.0/24", "gateway": "10.9.0.1"}]}},
                                  "lan": {"external": true}}}""");
            ServiceSpec web = d.services().get("web");
            assertEquals(List.of("site-back"), List.copyOf(web.options().networks().keySet()));
            assertEquals(List.of("w"), List.copyOf(web.options().networks().get("site-back").aliases()));
            assertEquals(new Mount(Mount.Type.VOLUME, "site-data", "/data", false), web.mounts().get(0));
            NetworkSpec back = d.networks().get("back");
            assertEquals("site-back", back.name());
            assertTrue(back.internal());
            assertEquals(new NetworkSpec.Ipam(null, List.of(new NetworkSpec.Pool("10.9.0.0/24", "10.9.0.1", null))),
                    back.ipam());
            assertTrue(d.networks().get("lan").external());
            assertTrue(d.volumes().containsKey("site-data"));
        }

        @Test
        void mountsInEveryForm() {
            List<Mount> mounts = SpecFixtures.web("""
                    {"image": "busybox", "volumes": ["/anon", "./cfg:/cfg", ".:/all", "/dev:/dev:ro,rshared",
                      "/srv:/srv:Z", "data:/data:nocopy",
                      {"type": "tmpfs", "target": "/tmp", "tmpfs": {"size": "64m", "mode": "1777"}}]}""").mounts();
            assertEquals(List.of(
                    new Mount(Mount.Type.VOLUME, "", "/anon", false),
                    new Mount(Mount.Type.BIND, "./cfg", "/cfg", false),
                    new Mount(Mount.Type.BIND, "./", "/all", false),
                    new Mount(Mount.Type.BIND, "/dev", "/dev", true, "rshared", null, false, null, null),
                    new Mount(Mount.Type.BIND, "/srv", "/srv", false, null, "Z", false, null, null),
                    new Mount(Mount.Type.VOLUME, "data", "/data", false, null, null, true, null, null),
                    new Mount(Mount.Type.TMPFS, "", "/tmp", false, null, null, false, 64L << 20, 01777)), mounts);
            assertEquals("/dev:/dev:ro,rshared", mounts.get(3).bindSpec());
            assertEquals("size=67108864,mode=1777", mounts.get(6).tmpfsOptions());
        }

        @Test
        void portsInEveryForm() {
            List<PortBinding> ports = SpecFixtures.web("""
                    {"image": "busybox", "ports": [80, "8080:80", "[::1]:53:53/udp", "9000-9001:9000-9001",
                      {"target": 443, "published": 8443, "host_ip": "127.0.0.1", "protocol": "tcp", "mode": "host"}]}""")
                    .ports();
            assertEquals(List.of(
                    new PortBinding("", 0, 80, "tcp"),
                    new PortBinding("", 8080, 80, "tcp"),
                    new PortBinding("::1", 53, 53, "udp"),
                    new PortBinding("", 9000, 9000, "tcp"),
                    new PortBinding("", 9001, 9001, "tcp"),
                    new PortBinding("127.0.0.1", 8443, 443, "tcp")), ports);
        }

        @Test
        void buildBesideImageIsAWarningWithItsPath() {
            ParsedDocument parsed = DocumentParser.parseJson("""
                    {"revision": 1, "services": {"web": {"image": "busybox", "build": {"context": "."}}}}"""
                    .getBytes(StandardCharsets.UTF_8));
            ParsedDocument.Valid valid = assertInstanceOf(ParsedDocument.Valid.class, parsed);
            assertEquals(List.of(new SpecError("services.web.build", "ignored: Berth does not build images; it pulls "
                    + "'image'")), valid.warnings());
        }
    }

    @Nested
    class YamlAsComposeReadsIt {

        @Test
        void mergeKeysWithAListOfMapsEarlierWins() throws IOException {
            JsonNode tree = DocumentReader.readYaml("""
                    x-a: &a {image: busybox, restart: always, labels: {from: a}}
                    x-b: &b {restart: "no", user: "1000", labels: {from: b}}
                    services:
                      web:
                        <<: [*a, *b]
                        user: "0"
                    """, "t.yaml");
            JsonNode web = tree.at("/services/web");
            assertEquals("busybox", web.path("image").asText());
            assertEquals("always", web.path("restart").asText(), "the earlier merged map wins");
            assertEquals("0", web.path("user").asText(), "the map's own key wins");
            assertEquals("a", web.at("/labels/from").asText());
        }

        @Test
        void unquotedHostColonContainerIsAStringInYaml12() throws IOException {
            JsonNode tree = DocumentReader.readYaml("""
                    services:
                      ssh:
                        image: busybox
                        ports:
                          - 22:22
                    """, "t.yaml");
            assertEquals("22:22", tree.at("/services/ssh/ports/0").asText());
            assertEquals(List.of(new PortBinding("", 22, 22, "tcp")),
                    ((ParsedDocument.Valid) DocumentParser.parseLocal(tree)).state().services().get("ssh").ports());
        }

        @Test
        void aBase60NumberFromAYaml11ToolGetsAHintToQuote() {
            // 22:22 read by a YAML 1.1 parser is 22*60+22 = 1342: valid but wrong; larger ones are caught
            List<SpecError> errors = errors("{\"revision\": 1, \"services\": {\"web\": {\"image\": \"busybox\","
                    + " \"ports\": [288000]}}}");
            assertTrue(errors.get(0).message().contains("quote it"), errors::toString);
        }

        @Test
        void aPlainComposeFileNeedsNoRevision() throws IOException {
            JsonNode tree = DocumentReader.readYaml("""
                    version: "3.8"
                    services:
                      web:
                        image: busybox
                        restart: no
                    """, "t.yaml");
            ParsedDocument.Valid valid = assertInstanceOf(ParsedDocument.Valid.class, DocumentParser.parseLocal(tree));
            assertEquals(0, valid.state().revision());
            assertInstanceOf(ParsedDocument.Invalid.class, DocumentParser.parse(tree), "the agent needs a revision");
        }

        @Test
        void deepNestingAndHugeYamlAreRefusedBeforeParsing() {
            String deep = "a: " + "[".repeat(200) + "]".repeat(200);
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                    () -> DocumentReader.readYaml(deep, "deep.yaml"));
            assertTrue(e.getMessage().contains("deeper than 64"), e.getMessage());
            String huge = "a: \"" + "x".repeat(DocumentParser.MAX_BYTES) + "\"";
            e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> DocumentReader.readYaml(huge, "h"));
            assertTrue(e.getMessage().contains("1 MiB"), e.getMessage());
        }
    }

    @Nested
    class WhateverArrives {

        @Test
        void megabytesOfGarbageAreRejectedWithoutReadingThem() {
            byte[] garbage = new byte[8 << 20];
            new Random(1).nextBytes(garbage);
            ParsedDocument.Invalid invalid = assertInstanceOf(ParsedDocument.Invalid.class,
                    DocumentParser.parseJson(garbage));
            assertTrue(invalid.errors().get(0).message().contains("limit is 1048576"), invalid::summary);
        }

        @Test
        void randomBytesUnderTheLimitAreASyntaxError() {
            Random random = new Random(2);
            for (int i = 0; i < 200; i++) {
                byte[] garbage = new byte[random.nextInt(4096)];
                random.nextBytes(garbage);
                ParsedDocument parsed = DocumentParser.parseJson(garbage);
                assertInstanceOf(ParsedDocument.Invalid.class, parsed);
            }
        }

        @Test
        void nullArraysScalarsAndNothing() {
            for (String doc : new String[] {"null", "[]", "[1,2]", "42", "\"text\"", "true", "", "   ", "{}",
                    "{\"revision\": null, \"services\": null}", "{\"services\": {\"web\": null}}"}) {
                ParsedDocument parsed = DocumentParser.parseJson(doc.getBytes(StandardCharsets.UTF_8));
                ParsedDocument.Invalid invalid = assertInstanceOf(ParsedDocument.Invalid.class, parsed, doc);
                assertTrue(!invalid.errors().isEmpty(), doc);
            }
            assertInstanceOf(ParsedDocument.Invalid.class, DocumentParser.parseJson(null));
        }

        @Test
        void aDocumentJustUnderTheLimitIsRead() {
            StringBuilder doc = new StringBuilder("{\"revision\": 1, \"services\": {}, \"x-pad\": \"");
            doc.append("x".repeat(DocumentParser.MAX_BYTES - doc.length() - 10)).append("\"}");
            assertInstanceOf(ParsedDocument.Valid.class,
                    DocumentParser.parseJson(doc.toString().getBytes(StandardCharsets.UTF_8)));
        }

        @Test
        void revisionsUpTo2Pow53() {
            assertEquals(1L << 53, desired("{\"revision\": 9007199254740992, \"services\": {}}").revision());
            assertEquals(Map.of(), desired("{\"revision\": 1, \"services\": {}}").services());
        }
    }
}
