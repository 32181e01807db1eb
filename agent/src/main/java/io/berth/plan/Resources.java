package io.berth.plan;

import io.berth.model.DesiredState;
import io.berth.model.Mount;
import io.berth.model.NetworkSpec;
import io.berth.model.ObservedNetwork;
import io.berth.model.ObservedState;
import io.berth.model.ObservedVolume;
import io.berth.model.ServiceSpec;
import io.berth.model.VolumeSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The shared resources of a batch: volumes and networks to create (and networks to remove),
 * those not there yet, and why one cannot be used (an unmanaged one of the same name). Pure.
 */
record Resources(List<Step> steps, boolean waiting, Set<String> volumesNotReady, Map<String, String> volumeProblems,
                 Set<String> networksNotReady, Map<String, String> networkProblems) {

    static Resources plan(DesiredState desired, ObservedState observed, PlanContext context) {
        List<Step> steps = new ArrayList<>();
        boolean waiting = false;
        Set<String> volumesNotReady = new TreeSet<>();
        Map<String, String> volumeProblems = new TreeMap<>();
        for (VolumeSpec volume : desired.volumes().values()) {
            ObservedVolume present = observed.volumes().get(volume.name());
            if (volume.external()) {
                if (present == null) {
                    volumesNotReady.add(volume.name());
                    volumeProblems.put(volume.name(), "volume '" + volume.name() + "' is external and does not exist: "
                            + "create it (docker volume create " + volume.name() + "), or remove 'external: true'");
                }
            } else if (present == null) {
                volumesNotReady.add(volume.name());
                if (context.backingOff(FailureKey.volume(volume.name()))) {
                    waiting = true;
                } else {
                    steps.add(new Step.CreateVolume(volume, firstUser(desired, volume.name())));
                }
            } else if (!present.managed()) {
                volumeProblems.put(volume.name(), "volume '" + volume.name() + "' already exists and was not "
                        + "created by Berth; Berth will not use it: rename the volume in the document, or remove "
                        + "the existing one if its data is not needed");
            }
        }

        // Networks: created like volumes; removed once they left the document and nothing is attached.
        Set<String> networksNotReady = new TreeSet<>();
        Map<String, String> networkProblems = new TreeMap<>();
        Set<String> desiredNetworks = new TreeSet<>();
        for (NetworkSpec network : desired.networks().values()) {
            desiredNetworks.add(network.name());
            ObservedNetwork present = observed.networks().get(network.name());
            if (network.external()) {
                if (present == null) {
                    networkProblems.put(network.name(), "network '" + network.name() + "' is external and does not "
                            + "exist: create it (docker network create " + network.name() + "), or remove "
                            + "'external: true'");
                }
            } else if (present == null) {
                networksNotReady.add(network.name());
                if (context.backingOff(FailureKey.network(network.name()))) {
                    waiting = true;
                } else {
                    steps.add(new Step.CreateNetwork(network));
                }
            } else if (!present.managed()) {
                networkProblems.put(network.name(), "network '" + network.name() + "' already exists and was not "
                        + "created by Berth; Berth will not use it: mark it 'external: true' in the document to "
                        + "use it, or rename it");
            }
        }
        for (ObservedNetwork network : observed.networks().values()) {
            if (network.managed() && !network.inUse() && !desiredNetworks.contains(network.name())) {
                steps.add(new Step.RemoveNetwork(network.name()));
            }
        }
        return new Resources(steps, waiting, volumesNotReady, volumeProblems, networksNotReady, networkProblems);
    }

    /** Why a service cannot use one of its volumes or networks, or null. */
    String problemOf(ServiceSpec spec) {
        String problem = spec.mounts().stream()
                .filter(m -> m.type() == Mount.Type.VOLUME)
                .map(m -> volumeProblems.get(m.source()))
                .filter(p -> p != null)
                .findFirst().orElse(null);
        if (problem == null) {
            problem = spec.options().networks().keySet().stream()
                    .map(networkProblems::get).filter(p -> p != null).findFirst().orElse(null);
        }
        return problem;
    }

    private static String firstUser(DesiredState desired, String volume) {
        return desired.services().values().stream()
                .filter(s -> s.mounts().stream().anyMatch(m -> m.type() == Mount.Type.VOLUME && m.source().equals(volume)))
                .map(ServiceSpec::name).findFirst().orElse("");
    }
}
