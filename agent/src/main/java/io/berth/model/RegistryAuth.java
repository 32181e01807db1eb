package io.berth.model;

/** Credentials for one registry host. The password never prints. */
public record RegistryAuth(String registry, String username, Secret password) {
}
