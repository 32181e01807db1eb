package io.berth.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Network;
import io.berth.engine.EngineException;
import io.berth.engine.docker.EngineCalls.Op;
import io.berth.model.NetworkSpec;
import io.berth.model.VolumeSpec;
import java.util.HashMap;
import java.util.Map;

/**
 * The named volumes and networks of the engine: each created from its spec (driver, options,
 * IPAM pools) with the document's labels under the agent's, its options read back, and removed.
 * A removal of one already gone succeeds: the loop asked for a state, and that is the state.
 * What a failure means (a refused spec, an overlapping address pool) is {@link EngineCalls}'s
 * table, so a create says which kind of call it was.
 */
final class VolumesAndNetworks {
    private final DockerClient client;
    private final EngineCalls calls;

    VolumesAndNetworks(DockerClient client, EngineCalls calls) {
        this.client = client;
        this.calls = calls;
    }

    Map<String, String> volumeOptions(String name) throws EngineException {
        return calls.call("inspect volume " + name, () -> {
            try {
                Map<String, String> options = client.inspectVolumeCmd(name).exec().getOptions();
                return options == null ? Map.of() : Map.copyOf(options);
            } catch (NotFoundException absent) {
                return Map.of();
            }
        });
    }

    void createVolume(VolumeSpec volume, Map<String, String> labels) throws EngineException {
        calls.call("create volume " + volume.name(), Op.CREATE, () -> {
            Map<String, String> all = new HashMap<>(volume.labels());
            all.putAll(labels);
            var cmd = client.createVolumeCmd().withName(volume.name()).withLabels(all);
            if (volume.driver() != null) {
                cmd.withDriver(volume.driver());
            }
            if (!volume.driverOpts().isEmpty()) {
                cmd.withDriverOpts(volume.driverOpts());
            }
            cmd.exec();
            return null;
        });
    }

    void removeVolume(String name) throws EngineException {
        remove("remove volume " + name, () -> client.removeVolumeCmd(name).exec());
    }

    void createNetwork(NetworkSpec network, Map<String, String> labels) throws EngineException {
        calls.call("create network " + network.name(), Op.CREATE_NETWORK, () -> {
            Map<String, String> all = new HashMap<>(network.labels());
            all.putAll(labels);
            var cmd = client.createNetworkCmd().withName(network.name()).withLabels(all)
                    .withCheckDuplicate(true).withInternal(network.internal()).withEnableIpv6(network.enableIpv6())
                    .withAttachable(true);
            if (network.driver() != null) {
                cmd.withDriver(network.driver());
            }
            if (!network.driverOpts().isEmpty()) {
                cmd.withOptions(network.driverOpts());
            }
            if (network.ipam() != null) {
                cmd.withIpam(ipam(network.ipam()));
            }
            cmd.exec();
            return null;
        });
    }

    private static Network.Ipam ipam(NetworkSpec.Ipam spec) {
        Network.Ipam ipam = new Network.Ipam();
        if (spec.driver() != null) {
            ipam.withDriver(spec.driver());
        }
        ipam.withConfig(spec.config().stream().map(pool -> {
            Network.Ipam.Config c = new Network.Ipam.Config().withSubnet(pool.subnet());
            if (pool.gateway() != null) {
                c.withGateway(pool.gateway());
            }
            if (pool.ipRange() != null) {
                c.withIpRange(pool.ipRange());
            }
            return c;
        }).toList());
        return ipam;
    }

    void removeNetwork(String name) throws EngineException {
        remove("remove network " + name, () -> client.removeNetworkCmd(name).exec());
    }

    private void remove(String what, Runnable removal) throws EngineException {
        calls.call(what, () -> {
            try {
                removal.run();
            } catch (NotFoundException gone) {
                // fine: it is gone
            }
            return null;
        });
    }
}
