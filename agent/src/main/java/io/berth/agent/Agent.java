package io.berth.agent;

import io.berth.actions.Actions;
import io.berth.config.AgentConfig;
import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import io.berth.engine.LogStreams;
import io.berth.engine.docker.DockerEngine;
import io.berth.link.MqttLink;
import io.berth.logs.LogForwarder;
import io.berth.localapi.ControlHandler;
import io.berth.localapi.ControlServer;
import io.berth.model.DesiredState;
import io.berth.model.Labels;
import io.berth.link.TlsFiles;
import io.berth.link.Topics;
import io.berth.reconcile.ContainerDefaults;
import io.berth.reconcile.HostFacts;
import io.berth.reconcile.ImageSettings;
import io.berth.reconcile.Reconciler;
import io.berth.reconcile.StatusReporter;
import io.berth.selfupdate.AgentUpdater;
import io.berth.selfupdate.DebianPlatform;
import io.berth.spec.DeviceTrust;
import io.berth.store.HostFiles;
import io.berth.store.StateStore;
import io.berth.support.Guarded;
import io.berth.support.Version;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/** The daemon: wires the engine, the MQTT link, the store and the reconcile loop, and runs them. */
public final class Agent implements AutoCloseable {

    /** Engine actions that do not change what the report says or what the plan does. */
    private static final Set<String> QUIET_ACTIONS = Set.of("create", "attach", "resize", "top", "export",
            "commit", "copy", "archive-path", "extract-to-dir", "mount", "unmount");

    private final AgentConfig config;
    private final ScheduledThreadPoolExecutor timer;
    private final Engine engine;
    private final StateStore store;
    private final MqttLink link;
    private final StatusReporter reporter;
    private final Reconciler reconciler;
    private final DesiredIntake intake;
    private final DeviceTrust trust;
    private final LogForwarder logs;
    private LogStreams logStreams;
    private final Actions actions;
    private final io.berth.actions.EventLog events = new io.berth.actions.EventLog();
    private final ControlServer controlServer;
    private volatile AutoCloseable engineWatch;
    /** Loaded on demand ({@link #reported}). */
    private volatile AgentUpdater agentUpdater;
    private final Clock clock;
    private volatile boolean closed;

    public Agent(AgentConfig config, Clock clock) throws IOException {
        this(config, clock, new DockerEngine(config.dockerHost(), Labels.ownership(config.deviceId()),
                config.profile().platform()));
    }

    /** An agent on a given engine: the fleet simulator's in-memory one (provisioning/bench/fleet). */
    public Agent(AgentConfig config, Clock clock, Engine engine) throws IOException {
        this.config = config;
        this.clock = clock;
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "berth-timer");
            t.setDaemon(true);
            return t;
        });
        this.timer.setRemoveOnCancelPolicy(true);
        this.store = new StateStore(config.stateDir());
        store.prepare();
        this.engine = engine;
        Topics topics = new Topics(config.topicPrefix(), config.deviceId());
        MqttLink.Settings settings = new MqttLink.Settings(config.mqttUrls(), config.mqttVersion(),
                config.mqttUsername(),
                config.mqttPassword() == null ? null : config.mqttPassword().reveal().toCharArray(),
                new TlsFiles.Settings(config.mqttCaFile(), config.mqttCertFile(), config.mqttKeyFile()),
                Duration.ofHours(24), config.stateDir().resolve("mqtt-version"));
        // the listener reads the fields below only once the link is started
        this.link = new MqttLink(settings, topics, new MqttLink.Listener() {
            @Override
            public void onDesired(byte[] payload) {
                Agent.this.onDesired(payload);
            }

            @Override
            public void onConnected(String url, String protocol) {
                reporter.brokerInUse(url, protocol);
            }

            @Override
            public void onRetainedDelivered(String topic) {
                retainedDelivered(topic, topics, agentUpdater);
            }
        }, timer, clock);
        StatusReporter.Sink sink = new StatusReporter.Sink() {
            @Override
            public void publishReport(byte[] json) {
                link.publishRetained(topics.reported(), json);
            }

            @Override
            public void publishEvent(byte[] json) {
                events.add(json);
                link.publishEvent(json);
            }

            @Override
            public void publishTransientEvent(byte[] json) {
                events.add(json);
                link.tryPublish(topics.events(), json, 1);
            }
        };
        this.reporter = new StatusReporter(config.deviceId(), Version.current(), config.profile().name(), clock, timer,
                sink, config.reportMinInterval(), config.reportHeartbeat(), new HostFacts(config.stateDir(),
                        config.reportMemChangeBytes(), config.reportDiskChangeBytes()));
        this.reconciler = new Reconciler(engine, Labels.ownership(config.deviceId()), clock, timer, reporter,
                new ContainerDefaults(config.dataRoot(), config.defaultLogging(), config.stateDir().resolve("files"),
                        config.policy()),
                new ImageSettings(config.stateDir(), config.diskPullFloor(), config.profile().platform()));
        this.trust = new DeviceTrust(config.deviceId(), config::labels, config.policy(), config.trustedKeys(),
                HostFiles.of(config.dataRoot(), name -> {
                    try {
                        return engine.volumeOptions(name);
                    } catch (EngineException e) {
                        throw new IllegalStateException(e.getMessage(), e);
                    }
                }), clock);
        this.intake = new DesiredIntake(store, reconciler, reporter, trust, config.project(), () -> {
            try {
                return engine.info().apiVersion();
            } catch (EngineException e) {
                return null; // not reachable now: the engine itself refuses what it cannot do
            }
        });
        reconciler.setHistory(intake);
        reporter.onPublish(this::reported);
        // the path of selfupdate.UpdateFiles' pending.json, looked at without loading the updater's classes
        if (java.nio.file.Files.exists(config.stateDir().resolve("agent-update").resolve("pending.json"))) {
            agentUpdater().resume();
        }
        // after resume: the new agent's first report must already say confirming (a fleet counts a report with
        // the new version and no update under way as done)
        reporter.agentArch(DebianPlatform.javaArch()); // dpkg's word follows from start(), off the start-up path
        int logQos = config.logs().qos();
        this.logs = new LogForwarder(config.logs(),
                (service, batch) -> link.tryPublish(topics.logs(service), batch, logQos), clock, timer, config.stateDir());
        reconciler.onObserved(logs::track);
        this.actions = new Actions(engine, reconciler, reporter, store, intake, link::status, link::connected,
                agentFacts(config), events, clock);
        this.controlServer = new ControlServer(config.socket(), new ControlHandler(actions), timer);
        link.serveCommands(RemoteCommands.on(actions, config.trustedKeys(), config.deviceId()));
        link.announceLabels(config.labels());
        reporter.setLabels(config.labels());
    }

    /**
     * Every report rendered: a good revision that names another agent version loads the updater
     * (not before: a device never asked to update never loads it).
     */
    private void reported(StatusReporter.Snapshot snapshot, long goodRevision) {
        DesiredState target = snapshot.desired();
        boolean applied = updateMayStart(snapshot, goodRevision);
        AgentUpdater updater = agentUpdater;
        if (updater == null) {
            if (!applied || target.agent() == null || target.agent().version().equals(Version.current())) {
                return;
            }
            updater = agentUpdater();
        }
        updater.onReport(target, applied);
    }

    /**
     * Whether an agent update of the snapshot's revision may start: once it is the good one
     * ({@code revision.good}), converged and past its trial. Converged alone comes before the
     * trial ends, and the restart would rebuild the trials empty: the revision would lose its
     * rollback.
     */
    static boolean updateMayStart(StatusReporter.Snapshot snapshot, long goodRevision) {
        DesiredState target = snapshot.desired();
        return target != null && target.revision() != 0 && target.revision() == goodRevision;
    }

    /**
     * The broker acknowledged a retained message: only the report's tells the updater that this
     * agent is online and reported (labels and the online message go first, before any report).
     */
    static void retainedDelivered(String topic, Topics topics, AgentUpdater updater) {
        if (updater != null && confirms(topic, topics)) {
            updater.reportDelivered();
        }
    }

    /** Whether the delivery of a retained message on {@code topic} confirms an agent update. */
    static boolean confirms(String topic, Topics topics) {
        return topic.equals(topics.reported());
    }

    /** Called under the reporter's lock (its listener), or in the constructor: one at a time. */
    private AgentUpdater agentUpdater() {
        if (agentUpdater == null) {
            agentUpdater = SelfUpdateWiring.updater(config.stateDir(), clock, reporter);
        }
        return agentUpdater;
    }

    /** What the agent tells of itself to doctor and support bundles: no secrets. */
    private static java.util.Map<String, String> agentFacts(AgentConfig config) {
        java.util.Map<String, String> facts = new java.util.HashMap<>();
        facts.put("device", config.deviceId());
        facts.put("version", Version.current());
        facts.put("profile", config.profile().name());
        facts.put("stateDir", config.stateDir().toString());
        facts.put("socket", config.socket().toString());
        facts.put("dockerHost", config.dockerHost());
        facts.put("mqttUrl", config.mqttUrl());
        facts.put("mqttUsername", String.valueOf(config.mqttUsername()));
        facts.put("topicPrefix", config.topicPrefix());
        // where the link's TLS files are (paths, not secrets): doctor's TLS check uses the same ones
        if (config.mqttCaFile() != null) {
            facts.put("mqttTlsCaFile", config.mqttCaFile().toString());
        }
        if (config.mqttCertFile() != null) {
            facts.put("mqttTlsCertFile", config.mqttCertFile().toString());
        }
        if (config.mqttKeyFile() != null) {
            facts.put("mqttTlsKeyFile", config.mqttKeyFile().toString());
        }
        return facts;
    }

    /** What users can ask of this agent; the control socket and MQTT commands share it. */
    public Actions actions() {
        return actions;
    }

    private void onDesired(byte[] payload) {
        intake.offer(payload);
    }

    /** Starts everything; returns at once. MQTT and the engine come up in parallel. */
    public void start() {
        Logger.info("Berth {} starting: device {}, profile {} ({}), state dir {}, engine {}, broker {}",
                Version.current(), config.deviceId(), config.profile().name(), config.profile().chosenBy(),
                config.stateDir(), config.dockerHost(), config.mqttUrl());
        link.start();
        try {
            logStreams = engine.openLogStreams(logs);
            logs.attach(logStreams);
        } catch (EngineException e) {
            Logger.warn("container logs are not forwarded: {}", e.getMessage());
        }
        if (store.paused()) {
            Logger.warn("reconciliation is paused (berth pause); 'berth resume' resumes it");
            reconciler.submit(() -> reconciler.setPaused(true));
        }
        reconciler.submit(intake::restore);
        try {
            controlServer.start();
        } catch (IOException | RuntimeException e) {
            Logger.error("cannot serve the control socket {} ({}); the berth CLI will not reach this agent: "
                    + "check the directory's permissions or set BERTH_SOCKET", config.socket(), e.getMessage());
        }
        watchEngine();
        timer.execute(Guarded.task("asking dpkg for the architecture",
                () -> reporter.agentArch(DebianPlatform.arch())));
        long resync = config.resyncInterval().toMillis();
        timer.scheduleWithFixedDelay(Guarded.task("the periodic resync", reconciler::requestPass), resync, resync,
                TimeUnit.MILLISECONDS);
    }

    private void watchEngine() {
        if (closed) {
            return;
        }
        try {
            engineWatch = engine.watch(event -> {
                reporter.engineEvent(event); // died, health: events of their own
                if (!QUIET_ACTIONS.contains(event.action()) && !event.action().startsWith("exec_")) {
                    reconciler.requestPass();
                }
            }, broken -> {
                if (!closed) {
                    Logger.debug("the engine's event stream ended ({}); watching again in 5 s", broken.toString());
                    timer.schedule(Guarded.task("watching the engine", this::watchEngine), 5, TimeUnit.SECONDS);
                    reconciler.requestPass();
                }
            });
        } catch (RuntimeException e) {
            Logger.debug("cannot watch engine events ({}); trying again in 5 s", e.toString());
            timer.schedule(Guarded.task("watching the engine", this::watchEngine), 5, TimeUnit.SECONDS);
        }
    }

    /** Log forwarding counters. */
    public LogForwarder.Stats logStats() {
        return logs.stats();
    }

    /** The MQTT connection: connected, or why not. */
    public String linkStatus() {
        return link.status();
    }

    /** The reported document as it would be published now. */
    public String latestReport() {
        return reporter.latest().toString();
    }

    /** Announces offline, disconnects and stops; containers keep running. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Logger.info("Berth stopping; containers keep running");
        controlServer.close();
        reconciler.close();
        if (logStreams != null) {
            logStreams.close();
        }
        logs.close(); // the last lines go out before the link closes
        link.close();
        AutoCloseable watch = engineWatch;
        if (watch != null) {
            try {
                watch.close();
            } catch (Exception e) {
                Logger.debug("closing the engine watch: {}", e.toString());
            }
        }
        AgentUpdater updater = agentUpdater;
        if (updater != null) {
            updater.close();
        }
        timer.shutdownNow();
        engine.close();
    }
}
