package io.berth.plan;

/**
 * What a failure or a backoff is counted against: a service, a shared volume or network, or the
 * restarts of a service that keeps turning unhealthy (which back off on their own clock).
 */
public record FailureKey(Kind kind, String name) {

    public enum Kind { SERVICE, VOLUME, NETWORK, UNHEALTHY_RESTART }

    public static FailureKey service(String name) {
        return new FailureKey(Kind.SERVICE, name);
    }

    public static FailureKey volume(String name) {
        return new FailureKey(Kind.VOLUME, name);
    }

    public static FailureKey network(String name) {
        return new FailureKey(Kind.NETWORK, name);
    }

    public static FailureKey unhealthyRestart(String service) {
        return new FailureKey(Kind.UNHEALTHY_RESTART, service);
    }

    /** What a step's failure is counted against. */
    public static FailureKey of(Step step) {
        if (step instanceof Step.CreateNetwork create) {
            return network(create.network().name());
        }
        if (step instanceof Step.RemoveNetwork remove) {
            return network(remove.name());
        }
        if (step instanceof Step.CreateVolume create) {
            return volume(create.volume().name());
        }
        return service(step.service());
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase() + ":" + name;
    }
}
