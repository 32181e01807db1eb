package io.berth.model;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * A Compose config or secret mounted into a service: the agent writes its content under its
 * state dir (secrets mode 0400, configs 0444) and binds it read-only at {@code target}.
 *
 * @param kind    {@code secret} or {@code config}
 * @param name    the key under the top-level {@code secrets} or {@code configs}
 * @param target  the path in the container ({@code /run/secrets/NAME}, {@code /NAME} for configs, or the given one)
 * @param sha256  of the content, in the spec's hash: a changed content recreates the container,
 *                whose bind would otherwise keep the replaced file
 * @param content never in the hash, a report or a log (it prints as {@code ***})
 */
public record FileMount(String kind, String name, String target, String sha256, @JsonIgnore Secret content) {

    public boolean secret() {
        return kind.equals("secret");
    }
}
