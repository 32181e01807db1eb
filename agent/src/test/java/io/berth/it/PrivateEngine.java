package io.berth.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A dockerd of a test device's own, next to the machine's (COMMON rules): its own data root, exec
 * root, pid file, socket and bridge ({@code ip link add … type bridge}; never {@code --bridge=none},
 * which deletes docker0), {@code --iptables=false}. Start them once per test class: a start costs
 * seconds. {@link #close()} removes its containers, stops it, deletes the bridge and the dirs.
 */
final class PrivateEngine implements AutoCloseable {
    final String bridge;
    final Path dir;
    final String host;
    private Process process;

    private PrivateEngine(String bridge, Path dir, Process process) {
        this.bridge = bridge;
        this.dir = dir;
        this.host = "unix://" + dir.resolve("d.sock");
        this.process = process;
    }

    static PrivateEngine start() throws Exception {
        String unique = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
        String bridge = "bft" + unique;
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "bft");
        String subnet = freeSubnet();
        Process process = null;
        try {
            sh("ip", "link", "add", bridge, "type", "bridge");
            sh("ip", "addr", "add", subnet + ".1/24", "dev", bridge);
            sh("ip", "link", "set", bridge, "up");
            process = launch(bridge, dir);
            PrivateEngine engine = new PrivateEngine(bridge, dir, process);
            Process p = process;
            Await.until("the private dockerd on " + engine.host + " to answer",
                    () -> ready(p, engine, dir),
                    Duration.ofSeconds(60), () -> tail(dir));
            return engine;
        } catch (Exception | Error e) {
            if (process != null) {
                process.destroy();
                process.waitFor(30, TimeUnit.SECONDS);
            }
            sh("ip", "link", "del", bridge);
            delete(dir);
            throw e;
        }
    }

    private static Process launch(String bridge, Path dir) throws IOException {
        return new ProcessBuilder("dockerd", "--data-root", dir.resolve("data").toString(),
                "--exec-root", dir.resolve("x").toString(), "--pidfile", dir.resolve("d.pid").toString(),
                "-H", "unix://" + dir.resolve("d.sock"), "--iptables=false", "--ip-masq=false",
                "--bridge=" + bridge, "--storage-driver=overlay2",
                // networks it creates (a document's default network) take small pools of their own,
                // not the 172.17-31/192.168 pools the main engine shares with every other engine here
                "--default-address-pool", "base=10.214.0.0/16,size=24")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("dockerd.log").toFile())).start();
    }

    /** Stops this dockerd (as systemd would: SIGTERM, its containers stopped) and starts it again on the same dirs. */
    void restart() throws Exception {
        // measured here: a dockerd 20.10 started a second time on the same data root, even with a
        // bridge of its own, deletes the host's docker0, which the main engine's default bridge
        // needs; it is put back as it was (the main engine keeps working with it)
        String docker0 = run(List.of("ip", "-4", "-o", "addr", "show", "dev", "docker0")).out();
        try {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            process = launch(bridge, dir);
            Process p = process;
            Await.until("the private dockerd on " + host + " to answer again", () -> ready(p, this, dir),
                    Duration.ofSeconds(60), () -> tail(dir));
        } finally {
            restoreDocker0(docker0);
        }
    }

    /** Puts the host's docker0 back with its address when a private dockerd removed it. */
    private static void restoreDocker0(String before) {
        java.util.regex.Matcher inet = java.util.regex.Pattern.compile("inet (\\S+)").matcher(before);
        if (!inet.find() || run(List.of("ip", "link", "show", "dev", "docker0")).exitCode() == 0) {
            return;
        }
        sh("ip", "link", "add", "docker0", "type", "bridge");
        sh("ip", "addr", "add", inet.group(1), "dev", "docker0");
        sh("ip", "link", "set", "docker0", "up");
    }

    /** True once it answers, null while it starts; fails when it exited. */
    private static Boolean ready(Process p, PrivateEngine engine, Path dir) {
        if (!p.isAlive()) {
            throw new AssertionError("the private dockerd exited: " + tail(dir));
        }
        return engine.docker("version").exitCode() == 0 ? Boolean.TRUE : null;
    }

    private static String tail(Path dir) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("dockerd.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** A /24 in 10.213.x.0 that no interface of this machine has. */
    private static String freeSubnet() {
        String addresses = run(List.of("ip", "-4", "-o", "addr")).out();
        for (int i = 0; i < 200; i++) {
            String subnet = "10.213." + (1 + ThreadLocalRandom.current().nextInt(250));
            if (!addresses.contains(subnet + ".")) {
                return subnet;
            }
        }
        throw new IllegalStateException("no free 10.213.x.0/24 subnet");
    }

    DockerCli.Result docker(String... args) {
        List<String> command = new ArrayList<>(List.of("docker", "-H", host));
        command.addAll(List.of(args));
        return run(command);
    }

    /** Removes every container of this engine (tests share engines; device ids differ per test). */
    void removeAllContainers() {
        String ids = docker("ps", "-aq").out();
        if (!ids.isBlank()) {
            List<String> rm = new ArrayList<>(List.of("rm", "-f"));
            rm.addAll(List.of(ids.split("\\s+")));
            docker(rm.toArray(new String[0]));
        }
        docker("volume", "prune", "-f");
        // the agents' networks ({project}_default): a stopped engine leaves their bridges on the host,
        // and their subnets then block every other engine's new networks
        docker("network", "prune", "-f");
    }

    /**
     * Removes the engine's own networks: their bridges live in the host's network namespace and
     * outlive a stopped dockerd, and every one left behind takes an address pool from all engines
     * of the machine (31 of them exhausted the main engine's pools once).
     */
    void removeAllNetworks() {
        String ids = docker("network", "ls", "-q", "--filter", "type=custom").out();
        if (!ids.isBlank()) {
            List<String> rm = new ArrayList<>(List.of("network", "rm"));
            rm.addAll(List.of(ids.split("\\s+")));
            docker(rm.toArray(new String[0]));
        }
    }

    @Override
    public void close() throws Exception {
        try {
            removeAllContainers();
            removeAllNetworks();
        } finally {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            sh("ip", "link", "del", bridge);
            delete(dir);
        }
    }

    private static void sh(String... command) {
        run(List.of(command));
    }

    private static DockerCli.Result run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " timed out");
            }
            return new DockerCli.Result(p.exitValue(), new String(out).strip(), new String(err).strip());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void delete(Path dir) throws IOException {
        // overlay mounts are gone once dockerd stopped; rm -rf copes with what Files.walk would trip over
        run(List.of("rm", "-rf", "--one-file-system", dir.toString()));
    }
}
