package io.berth.spec;

/** For integration tests in other packages: {@link EngineApi}'s version order. */
public final class EngineApiTestAccess {
    private EngineApiTestAccess() {}

    public static boolean older(String have, String needed) {
        return EngineApi.compare(have, needed) < 0;
    }
}
