package io.berth.localapi;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.Set;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.tinylog.Logger;

/**
 * Who may ask what on the control socket. The socket belongs to the group {@code berth} (the
 * package creates it): a technician in that group uses the read-only verbs without root; verbs
 * that change what runs need root (the peer's uid, from {@code SO_PEERCRED}).
 */
final class SocketAccess {
    static final String GROUP = "berth";
    /** Verbs that only read: status, logs, the doctor's and the support bundle's facts, liveness. */
    static final Set<String> READ_ONLY = Set.of("status", "logs", "diagnose", "support", "ping");

    private SocketAccess() {}

    /** Gives the socket to the {@code berth} group when it exists; otherwise it stays root's alone. */
    static void shareWithGroup(Path socket) {
        try {
            GroupPrincipal group = socket.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByGroupName(GROUP);
            Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(group);
        } catch (IOException | UnsupportedOperationException noGroup) {
            Logger.debug("control socket: no group '{}' ({}): root only", GROUP, noGroup.toString());
        }
    }

    /** Whether the process at the other end runs as root (uid 0). */
    static boolean peerIsRoot(SocketChannel channel) {
        try {
            UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
            return "root".equals(peer.user().getName());
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Null when the verb may run; else what to tell the client. */
    static String refusal(String verb, boolean root) {
        if (root || READ_ONLY.contains(verb)) {
            return null;
        }
        return "'" + verb + "' changes what runs on this device and needs root (sudo berth ...); members of the '"
                + GROUP + "' group may use the read-only verbs (status, logs, doctor, support-bundle)";
    }
}
