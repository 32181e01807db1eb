package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.link.OperatorConnection;
import io.berth.link.TlsFiles;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator console ({@code berth fleet serve}) in a real browser: Debian's Chromium,
 * headless, driven through chromedriver. Two real agents, each on a dockerd of its own,
 * labelled canary and prod. The page must show both devices, filter them by selector, show a
 * device's services and a live log tail, show a rollout that the console itself drives to the
 * end, and change without a reload as reports arrive; its abort-and-revert button must work.
 */
class ConsoleIT {
    private static final String V1 = "127.0.0.1:5000/demo/busybox:1";
    private static final String V2 = "127.0.0.1:5000/demo/busybox:2";
    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void theConsoleShowsTheFleetLiveAndDrivesARollout() throws Exception {
        String prefix = "console" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path dir = Files.createTempDirectory("berth-console-it");
        Map<String, PrivateEngine> engines = new LinkedHashMap<>();
        Map<String, TestDevice> devices = new LinkedHashMap<>();
        List<Process> processes = new ArrayList<>();
        List<String> retained = new ArrayList<>();
        WebDriver browser = null;
        try (OperatorConnection operator = OperatorConnection.connect(new OperatorConnection.Settings(
                List.of(TestBroker.URL), null, null, new TlsFiles.Settings(null, null, null)))) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Map<String, Future<PrivateEngine>> starting = new LinkedHashMap<>();
                for (String name : List.of("canary", "prod")) {
                    starting.put(name, pool.submit(PrivateEngine::start));
                }
                for (Map.Entry<String, Future<PrivateEngine>> e : starting.entrySet()) {
                    engines.put(e.getKey(), e.getValue().get(90, TimeUnit.SECONDS));
                }
            } finally {
                pool.shutdown();
            }
            for (String tier : engines.keySet()) {
                TestDevice d = new TestDevice();
                d.env.put("BERTH_TOPIC_PREFIX", prefix);
                d.env.put("BERTH_DOCKER_HOST", engines.get(tier).host);
                d.env.put("BERTH_LABELS", "tier=" + tier);
                devices.put(tier, d);
                for (String t : List.of("desired", "reported", "online")) {
                    retained.add(prefix + "/" + d.id + "/" + t);
                }
                d.startAgent();
                operator.publish(prefix + "/" + d.id + "/desired", document(1, V1).getBytes(StandardCharsets.UTF_8), true);
            }
            for (String id : List.of("ui", "bad")) {
                retained.add(prefix + "/_fleet/rollouts/" + id);
                retained.add(prefix + "/_fleet/rollouts/" + id + "/request");
            }
            String canary = devices.get("canary").id;
            String prod = devices.get("prod").id;

            Process serve = berth(dir, prefix, processes, "fleet", "serve", "--listen", "127.0.0.1:0");
            String url = consoleUrl(serve, dir);
            browser = chrome(dir);
            browser.get(url);

            // the fleet table: both devices, converged on revision 1, without a reload
            awaitText(browser, By.cssSelector("tr[data-device='" + canary + "'] td.phase"), "converged");
            awaitText(browser, By.cssSelector("tr[data-device='" + prod + "'] td.phase"), "converged");
            assertTrue(browser.findElement(By.cssSelector("tr[data-device='" + canary + "']")).getText()
                    .contains("tier=canary"));

            // the selector filters; a malformed one says why
            select(browser, "tier in (canary");
            awaitText(browser, By.id("selector-error"), "expected");
            select(browser, "tier=canary");
            awaitRows(browser, List.of(canary));
            select(browser, " ");
            awaitRows(browser, List.of(canary, prod));

            // a device: its services, and a live log tail of one of them
            click(browser, By.cssSelector("tr[data-device='" + canary + "']"));
            awaitText(browser, By.cssSelector("tr[data-service='app'] td.state"), "running");
            await(browser, "the log tail's service to be chosen", b -> {
                new org.openqa.selenium.support.ui.Select(b.findElement(By.id("log-service"))).selectByValue("app");
                return true;
            });
            awaitText(browser, By.id("log-tail"), "tick");
            String before = browser.findElement(By.id("log-tail")).getText();
            await(browser, "more log lines to arrive live", b -> b.findElement(By.id("log-tail")).getText().length()
                    > before.length());

            // a rollout started from the command line; the console drives it to the end and shows it
            Path v2 = dir.resolve("v2.json");
            // it carries a registry credential and a secret-looking environment value: neither may reach the page
            String password = "pw-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
            String apiToken = "tok-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
            Files.writeString(v2, document(0, V2).replaceFirst("\\{\"services\"", "{\"registries\": {\"127.0.0.1:5001\": "
                    + "{\"username\": \"berth-dev\", \"password\": \"" + password + "\"}}, \"services\"")
                    .replace("\"command\":", "\"environment\": {\"API_TOKEN\": \"" + apiToken + "\"}, \"command\":"));
            assertTrue(Files.readString(v2).contains(password) && Files.readString(v2).contains(apiToken));
            Process start = berth(dir, prefix, processes, "fleet", "rollout", "start", "--selector", "tier",
                    "--canary", "tier=canary", "--waves", "1,100%", "--id", "ui", v2.toString());
            assertTrue(start.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, start.exitValue(), output(dir, start));
            browser.get(url + "#/rollout/ui");
            awaitText(browser, By.id("rollout-status"), "completed");
            assertEquals("converged", browser.findElement(By.cssSelector("tr[data-target='" + canary + "'] td.state")).getText());
            assertEquals("converged", browser.findElement(By.cssSelector("tr[data-target='" + prod + "'] td.state")).getText());
            screenshot(browser, "console-rollout.png");
            assertNoSecrets(url, List.of(password, apiToken), List.of("devices", "devices/" + canary, "devices/" + prod,
                    "devices/" + canary + "/logs/app", "rollouts", "rollouts/ui"));

            // the fleet page changed without a reload: revision 2 applied everywhere
            click(browser, By.id("nav-fleet"));
            awaitText(browser, By.cssSelector("tr[data-device='" + prod + "'] td:nth-child(5)"), "2");
            awaitText(browser, By.cssSelector("tr[data-device='" + canary + "'] td:nth-child(5)"), "2");
            screenshot(browser, "console-fleet.png");

            // a live change from a device: the prod agent stops (its offline message), the row says so
            devices.get("prod").stopAgent();
            awaitText(browser, By.cssSelector("tr[data-device='" + prod + "'] td:nth-child(2)"), "no");
            devices.get("prod").startAgent();
            awaitText(browser, By.cssSelector("tr[data-device='" + prod + "'] td:nth-child(2)"), "yes");

            // a rollout that halts at the canary; the abort-and-revert button gives it revision 2's image back
            Path bad = dir.resolve("bad.json");
            Files.writeString(bad, document(0, "127.0.0.1:5000/demo/busybox:does-not-exist"));
            Process badStart = berth(dir, prefix, processes, "fleet", "rollout", "start", "--selector", "tier",
                    "--canary", "tier=canary", "--waves", "1,100%", "--id", "bad", bad.toString());
            assertTrue(badStart.waitFor(60, TimeUnit.SECONDS));
            browser.get(url + "#/rollout/bad");
            awaitText(browser, By.id("rollout-status"), "halted");
            assertEquals("pending", browser.findElement(By.cssSelector("tr[data-target='" + prod + "'] td.state")).getText());
            await(browser, "the pause button of a halted rollout to be disabled",
                    b -> !b.findElement(By.id("pause")).isEnabled());
            click(browser, By.id("abort-revert"));
            browser.switchTo().alert().accept();
            awaitText(browser, By.id("rollout-status"), "aborted");
            awaitText(browser, By.cssSelector("tr[data-target='" + canary + "'] td.state"), "reverted");
        } finally {
            if (browser != null) {
                browser.quit();
            }
            for (Process p : processes) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            for (TestDevice d : devices.values()) {
                d.close();
            }
            try (OperatorConnection operator = OperatorConnection.connect(new OperatorConnection.Settings(
                    List.of(TestBroker.URL), null, null, new TlsFiles.Settings(null, null, null)))) {
                for (String topic : retained) {
                    operator.publish(topic, new byte[0], true);
                }
            }
            for (PrivateEngine e : engines.values()) {
                e.removeAllContainers();
                e.close();
            }
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String document(long revision, String image) {
        return "{" + (revision > 0 ? "\"revision\": " + revision + ", " : "") + "\"services\": {\"app\": {\"image\": \""
                + image + "\", \"command\": [\"sh\", \"-c\", \"while true; do echo tick; sleep 1; done\"]}},"
                + " \"update\": {\"healthTimeout\": \"20s\"}}";
    }

    /**
     * No answer of the API, and no frame of the stream up to its {@code ready}, holds a secret
     * of the rolled-out document; each answer is a real one (200, naming what was asked).
     */
    private static void assertNoSecrets(String url, List<String> secrets, List<String> paths) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (String path : paths) {
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(url + "api/" + path)).timeout(Duration.ofSeconds(30)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), path + ": " + r.body());
            assertTrue(r.body().length() > 2, path + " answered " + r.body());
            for (String secret : secrets) {
                assertTrue(!r.body().contains(secret), "/api/" + path + " shows a secret of the document: " + r.body());
            }
        }
        java.net.http.HttpResponse<java.io.InputStream> stream = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(url + "api/stream")).build(), java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        StringBuilder frames = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null && !line.equals("event: ready")) {
                frames.append(line).append('\n');
            }
            assertEquals("event: ready", line, "the stream ended before its ready frame: " + frames);
        }
        assertTrue(frames.toString().contains("event: rollout") && frames.toString().contains("event: device"), frames.toString());
        for (String secret : secrets) {
            assertTrue(!frames.toString().contains(secret), "the stream shows a secret of the document: " + frames);
        }
    }

    private static WebDriver chrome(Path dir) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,860", "--user-data-dir=" + dir.resolve("chrome"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /** Types a selector and presses Enter (the page re-renders as reports arrive: retried when stale). */
    private static void select(WebDriver b, String text) {
        await(b, "the selector input to take '" + text + "'", d -> {
            WebElement input = d.findElement(By.id("selector"));
            input.clear();
            input.sendKeys(text, "\n");
            return true;
        });
    }

    private static void click(WebDriver b, By by) {
        await(b, "a click on " + by, d -> {
            d.findElement(by).click();
            return true;
        });
    }

    private static void awaitText(WebDriver b, By by, String text) {
        await(b, by + " to show '" + text + "'", d -> {
            List<WebElement> found = d.findElements(by);
            return !found.isEmpty() && found.get(0).getText().contains(text);
        });
    }

    private static void awaitRows(WebDriver b, List<String> ids) {
        await(b, "the fleet table to list exactly " + ids, d -> d.findElements(By.cssSelector("#fleet tbody tr")).stream()
                .map(r -> r.getAttribute("data-device")).sorted().toList().equals(ids.stream().sorted().toList()));
    }

    private static void await(WebDriver b, String what, java.util.function.Function<WebDriver, Boolean> condition) {
        try {
            new WebDriverWait(b, WAIT).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                    .withMessage(() -> what + "; the page shows:\n" + b.findElement(By.tagName("main")).getText())
                    .until(condition::apply);
        } catch (org.openqa.selenium.TimeoutException e) {
            screenshot(b, "console-failure.png");
            throw e;
        }
    }

    /** Kept in target/ for a look (docs/console.png is one of these). */
    private static void screenshot(WebDriver b, String name) {
        try {
            Path shot = ((TakesScreenshot) b).getScreenshotAs(OutputType.FILE).toPath();
            Files.copy(shot, Path.of("target", name), StandardCopyOption.REPLACE_EXISTING);
        } catch (Exception e) {
            // a screenshot is a courtesy
        }
    }

    private static String consoleUrl(Process serve, Path dir) throws Exception {
        Path out = dir.resolve("serve-" + serve.pid());
        String line = Await.until("berth fleet serve to print its address", () -> {
            try {
                return Files.readAllLines(out).stream().filter(l -> l.contains("http://")).findFirst().orElse(null);
            } catch (Exception e) {
                return null;
            }
        }, Duration.ofSeconds(30), () -> output(dir, serve));
        return line.substring(line.indexOf("http://"), line.indexOf('/', line.indexOf("http://") + 7) + 1);
    }

    private static Process berth(Path dir, String prefix, List<Process> processes, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("java", "-jar", System.getProperty("berth.jar", "target/berth.jar")));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("BERTH_"));
        builder.environment().put("BERTH_MQTT_URL", TestBroker.URL);
        builder.environment().put("BERTH_TOPIC_PREFIX", prefix);
        builder.environment().put("BERTH_FLEET_LEASE", "3s");
        Process p = builder.start();
        Path out = dir.resolve("serve-" + p.pid());
        processes.add(p);
        Thread copy = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 var w = Files.newBufferedWriter(out)) {
                String l;
                while ((l = r.readLine()) != null) {
                    w.write(l);
                    w.newLine();
                    w.flush();
                }
            } catch (Exception e) {
                // the process ended
            }
        });
        copy.setDaemon(true);
        copy.start();
        Path err = dir.resolve("err-" + p.pid());
        Thread copyErr = new Thread(() -> {
            try {
                Files.copy(p.getErrorStream(), err, StandardCopyOption.REPLACE_EXISTING);
            } catch (Exception e) {
                // the process ended
            }
        });
        copyErr.setDaemon(true);
        copyErr.start();
        return p;
    }

    private static String output(Path dir, Process p) {
        try {
            return Files.readString(dir.resolve("serve-" + p.pid())) + "\n"
                    + Files.readAllLines(dir.resolve("err-" + p.pid())).stream().collect(Collectors.joining("\n"));
        } catch (Exception e) {
            return "(no output)";
        }
    }
}
