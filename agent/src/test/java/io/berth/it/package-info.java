/**
 * Integration tests against the real engine, broker and registry of {@code provisioning/dev-services}.
 *
 * <h2>Which ITs may run at the same time</h2>
 * The agent pom runs them in two Failsafe executions: "parallel" (every class not tagged
 * {@code alone}, in {@code berth.it.forks} JVMs at once, a class at a time per JVM) and then "alone"
 * (classes tagged {@code @Tag("alone")}, one after another, nothing else running). A class may run
 * beside others when everything it makes is its own and it stops, restarts or changes nothing that
 * another class uses. A new IT that does (the main dockerd, Mosquitto, the registry's shared images,
 * docker0, files outside its temp dirs) gets {@code @Tag("alone")}. The audit (December 2026):
 *
 * <pre>
 * What is shared, and by whom                       | Why it is safe beside the others
 * --------------------------------------------------+--------------------------------------------------
 * TestDevice: id, topic prefix, Compose project,    | unique per test ("it" + random hex); close()
 *   state dir, containers/volumes/networks          | removes its names and whatever carries its
 *                                                   | berth.device label; an agent touches only objects
 *                                                   | with its own device id (Labels.ownership), so
 *                                                   | `berth volumes prune` (CliProcessIT) and image GC
 *                                                   | stay within the device
 * TestDevice.freePort (ReconcileIT, RollbackIT,     | 20000-32767, held by a lock file in
 *   UpdateStrategyIT, ServiceKeysIT, LoopbackProxy, | java.io.tmpdir/berth-it-ports for the JVM's life:
 *   PrivateBroker)                                  | no other test JVM gets the same port
 * MQTT client ids on the shared Mosquitto           | it-operator-/it-rr-/it-attacker-/it-clean- + the
 *                                                   | device id; OperatorConnection: random
 * MqttTlsIT's fixed device id berth-dev-a (the      | only MqttTlsIT uses it; its topics carry a
 *   broker's ACL user)                              | unique prefix
 * Images 127.0.0.1:5000/demo/busybox:1 and :2       | never removed: agents collect only images they
 *                                                   | pulled themselves and that no other name tags;
 *                                                   | ITs only tag them under names of their own
 * demo/multi:1 (PlatformPullIT), 127.0.0.1:5001/    | each used by that one class only, which untags it
 *   private/busybox:1 (RegistryAuthIT)              | and removes the pulled entries
 * Registry content (TestImages, AgentPackagesIT,    | repositories named after the device id; a delete
 *   TrustBoundaryIT)                                | removes only that repository's blob links
 * NATS cluster 18831-18833 (ClusterIT kills node 1  | no other IT uses NATS (FleetSim is a benchmark,
 *   and brings it back with dev-services up nats)   | not an IT)
 * Private dockerds (PrivateEngine: FleetIT 3,       | own data/exec root, socket, pid file, bridge
 *   ConsoleIT 2, EngineRestartIT 1)                 | bft + random, a free 10.213.x.0/24; networks in
 *                                                   | 10.214/16 (the engine skips subnets another bridge
 *                                                   | has)
 * docker0, the main engine's default bridge         | EngineRestartIT: a dockerd started again on its
 *   (DefaultNetworkIT, docker run in ReconcileIT)   | data root deletes docker0 until PrivateEngine.
 *                                                   | restart puts it back: ALONE
 * Chromium (ConsoleIT)                              | its own --user-data-dir, chromedriver on any free
 *                                                   | port
 * Agent processes killed (CrashSafetyIT, ClusterIT, | each kills only the process it started
 *   AgentProcessIT, SmallHeapIT, FleetIT drivers)   |
 * Static state in one test JVM                      | no System.setProperty in any IT; TestDevice's
 *                                                   | port set (meant for it), FleetIT.ENGINES (its
 *                                                   | own), MqttTlsIT.passwords (read only)
 * Free disk (PullsIT's floor tests)                 | floors far from the free space (256 MiB above)
 * Timing under load: RolloutLeaseIT (6 s lease,     | lower bounds only, or generous timeouts; the
 *   renewed each second), UpdateSafetyIT (backoff   | lease test fails only if a JVM stalls over 5 s
 *   at least 2.5 s), ReconcileIT (at most 6 reports |
 *   for a burst of 20 trivial revisions)            |
 * </pre>
 *
 * The provisioning module's ITs (PackageIT, PackageSelfUpdateIT) install the .deb on this machine
 * and need the agent module built and verified first (reactor order): they run after these.
 */
package io.berth.it;
