package io.berth.spec;

import io.berth.model.PortBinding;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the sections of one document know of each other while it is read: the names other
 * sections refer to (services' container names, volumes' and networks' engine names), and what
 * the cross-document checks look at once every service is read.
 */
final class DocumentContext {
    /** The key under {@code networks} of the network services join when they name none, as Compose. */
    static final String DEFAULT_NETWORK = "default";

    /** The document's {@code name}, else the device's default project name. */
    final String project;
    /** Service name to container name, read before the services themselves so that references resolve. */
    final Map<String, String> containers = new TreeMap<>();
    /** Top-level network key to the engine's name. */
    final Map<String, String> networkNames = new TreeMap<>();
    /** Top-level volume key to the engine's name. */
    final Map<String, String> volumeNames = new TreeMap<>();
    /** The published ports of every service, with their paths, for the clash check. */
    final List<Map.Entry<String, PortBinding>> publishedPorts = new ArrayList<>();
    /** Service to the services it refers to, for the cycle check. */
    final Map<String, Set<String>> references = new TreeMap<>();
    /** The top-level configs and secrets: name to content. */
    final Map<String, io.berth.model.Secret> configs = new TreeMap<>();
    final Map<String, io.berth.model.Secret> secrets = new TreeMap<>();
    /** Whether a service joins the default network (declared or not). */
    boolean defaultNetworkUsed;

    DocumentContext(String project) {
        this.project = project;
    }

    /** {@code {project}_default}, as Compose names it. */
    String defaultNetworkName() {
        return project + "_" + DEFAULT_NETWORK;
    }
}
