package io.berth.selfupdate;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * The report's {@code agent.update} (PROTOCOL.md §4) while an update is under way or after it failed.
 *
 * @param state {@link #DOWNLOADING}, {@link #INSTALLING}, {@link #CONFIRMING} (the new agent, until its
 *              confirmation is written) or {@link #FAILED}
 * @param error why it failed, else null
 */
record UpdateStatus(long revision, String version, String state, String error, Instant since) {
    static final String DOWNLOADING = "downloading";
    static final String INSTALLING = "installing";
    static final String CONFIRMING = "confirming";
    static final String FAILED = "failed";

    ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode()
                .put("revision", revision)
                .put("version", version)
                .put("state", state);
        node.put("error", error);
        node.put("since", since.toString());
        return node;
    }

    static UpdateStatus failed(UpdateFiles.Failure f) {
        return new UpdateStatus(f.revision(), f.version(), FAILED, f.error(), f.since());
    }
}
