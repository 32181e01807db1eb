package io.berth.agent;

import io.berth.config.AgentConfig;
import io.berth.engine.Engine;
import io.berth.engine.docker.DockerEngine;
import io.berth.link.MqttLink;
import io.berth.model.Labels;
import io.berth.link.Topics;
import io.berth.reconcile.HostFacts;
import io.berth.reconcile.Reconciler;
import io.berth.reconcile.StatusReporter;
import io.berth.store.StateStore;
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
    private volatile AutoCloseable engineWatch;
    private volatile boolean closed;

    public Agent(AgentConfig config, Clock clock) throws IOException {
        this.config = config;
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "berth-timer");
            t.setDaemon(true);
            return t;
        });
        this.timer.setRemoveOnCancelPolicy(true);
        this.store = new StateStore(config.stateDir());
        store.prepare();
        this.engine = new DockerEngine(config.dockerHost(), Labels.ownership(config.deviceId()),
                config.profile().platform());
        Topics topics = new Topics(config.topicPrefix(), config.deviceId());
        MqttLink.Settings settings = new MqttLink.Settings(config.mqttUrl(), config.mqttUsername(),
                config.mqttPassword() == null ? null : config.mqttPassword().reveal().toCharArray(),
                Duration.ofHours(24));
        // the listener reads the fields below only once the link is started
        this.link = new MqttLink(settings, topics, this::onDesired, timer, clock);
        StatusReporter.Sink sink = new StatusReporter.Sink() {
            @Override
            public void publishReport(byte[] json) {
                link.publishRetained(topics.reported(), json);
            }

            @Override
            public void publishEvent(byte[] json) {
                link.publishEvent(json);
            }
        };
        this.reporter = new StatusReporter(config.deviceId(), Version.current(), config.profile().name(), clock, timer,
                sink, config.reportMinInterval(), config.reportHeartbeat(), new HostFacts(config.stateDir()));
        this.reconciler = new Reconciler(engine, Labels.ownership(config.deviceId()), clock, timer, reporter);
        this.intake = new DesiredIntake(store, reconciler, reporter);
    }

    private void onDesired(byte[] payload) {
        reconciler.submit(() -> intake.receive(payload, "mqtt"));
    }

    /** Starts everything; returns at once. MQTT and the engine come up in parallel. */
    public void start() {
        Logger.info("Berth {} starting: device {}, profile {} ({}), state dir {}, engine {}, broker {}",
                Version.current(), config.deviceId(), config.profile().name(), config.profile().chosenBy(),
                config.stateDir(), config.dockerHost(), config.mqttUrl());
        link.start();
        reconciler.submit(intake::restore);
        watchEngine();
        long resync = config.resyncInterval().toMillis();
        timer.scheduleWithFixedDelay(reconciler::requestPass, resync, resync, TimeUnit.MILLISECONDS);
    }

    private void watchEngine() {
        if (closed) {
            return;
        }
        try {
            engineWatch = engine.watch(event -> {
                if (!QUIET_ACTIONS.contains(event.action()) && !event.action().startsWith("exec_")) {
                    reconciler.requestPass();
                }
            }, broken -> {
                if (!closed) {
                    Logger.debug("the engine's event stream ended ({}); watching again in 5 s", broken.toString());
                    timer.schedule(this::watchEngine, 5, TimeUnit.SECONDS);
                    reconciler.requestPass();
                }
            });
        } catch (RuntimeException e) {
            Logger.debug("cannot watch engine events ({}); trying again in 5 s", e.toString());
            timer.schedule(this::watchEngine, 5, TimeUnit.SECONDS);
        }
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
        link.close();
        reconciler.close();
        AutoCloseable watch = engineWatch;
        if (watch != null) {
            try {
                watch.close();
            } catch (Exception e) {
                Logger.debug("closing the engine watch: {}", e.toString());
            }
        }
        timer.shutdownNow();
        engine.close();
    }
}
