package io.berth.selfupdate;

/** What an update needs to know of the device it runs on; {@link DebianPlatform} asks dpkg. */
interface Platform {

    /** The Debian architecture of the packages to fetch: {@code amd64}, {@code arm64}, {@code armhf}. */
    String debArch();

    /** Whether this agent runs from the installed {@code berth} package (else dpkg cannot update it). */
    boolean installedFromPackage();

    /** This agent's process id: the updater signals it where there is no systemd. */
    long pid();
}
