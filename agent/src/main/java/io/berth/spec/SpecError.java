package io.berth.spec;

/** One thing wrong with a desired document: where (a JSON path such as {@code services.web.ports[1]}) and what. */
public record SpecError(String path, String message) {

    @Override
    public String toString() {
        return (path.isEmpty() ? "(document)" : path) + ": " + message;
    }
}
