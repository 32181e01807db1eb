package io.berth.spec;

import io.berth.model.DesiredState;
import io.berth.model.ServiceSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The keys that need a newer engine API than some devices have (Docker 20.10 speaks 1.41): a
 * document that sets one is refused by a device whose engine is older, with the key's path and
 * the version it needs, before anything changes, rather than failing at container creation.
 */
public final class EngineApi {

    private EngineApi() {}

    /** Every key of the document that {@code apiVersion} is too old for; empty when it is unknown. */
    public static List<SpecError> check(DesiredState state, String apiVersion) {
        List<SpecError> errors = new ArrayList<>();
        if (apiVersion == null || !apiVersion.matches("\\d+\\.\\d+")) {
            return errors;
        }
        for (ServiceSpec s : state.services().values()) {
            String path = "services." + s.name();
            if (!s.options().host().annotations().isEmpty()) {
                need(errors, path + ".annotations", "1.43", apiVersion);
            }
            if (s.options().healthcheck() != null && s.options().healthcheck().startIntervalNanos() != null) {
                need(errors, path + ".healthcheck.start_interval", "1.44", apiVersion);
            }
        }
        return errors;
    }

    private static void need(List<SpecError> errors, String path, String needed, String have) {
        if (compare(have, needed) < 0) {
            errors.add(new SpecError(path, "needs engine API " + needed + " or newer; this device's engine speaks "
                    + have + ": update the engine (Docker 23+ speaks 1.43, 25+ 1.44), or remove the key"));
        }
    }

    static int compare(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        int major = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
        return major != 0 ? major : Integer.compare(Integer.parseInt(x[1]), Integer.parseInt(y[1]));
    }
}
