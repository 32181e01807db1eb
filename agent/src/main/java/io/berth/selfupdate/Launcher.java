package io.berth.selfupdate;

import java.io.IOException;
import java.util.List;

/** Starts the updater script outside the agent's own service, so that it outlives the agent's restart. */
interface Launcher {

    /**
     * @param revision the revision the update comes from (names the transient unit)
     * @param command  the script and its arguments
     * @throws IOException when it could not be started; nothing runs then
     */
    void launch(long revision, List<String> command) throws IOException;
}
