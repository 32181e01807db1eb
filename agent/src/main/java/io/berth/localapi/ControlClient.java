package io.berth.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;

/** The CLI's side of the control socket: one connection per call. */
public final class ControlClient {

    /** The agent does not answer on its socket: not running, or another socket path. */
    public static final class UnreachableException extends IOException {
        UnreachableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The agent answered {@code ok:false}. */
    public static final class RefusedException extends IOException {
        private final JsonNode answer;

        RefusedException(JsonNode answer) {
            super(answer.path("error").asText("the agent refused the request"));
            this.answer = answer;
        }

        /** The whole answer, which may carry details (e.g. the errors of a rejected document). */
        public JsonNode answer() {
            return answer;
        }
    }

    private final Path socket;

    public ControlClient(Path socket) {
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    /** Sends a request and returns the result of its {@code ok} answer. */
    public JsonNode call(String verb, JsonNode args) throws IOException {
        return stream(verb, args, frame -> { });
    }

    /** Sends a request, hands every frame before the answer to {@code onFrame}, and returns the result. */
    public JsonNode stream(String verb, JsonNode args, Consumer<JsonNode> onFrame) throws IOException {
        return send(verb, args, null, onFrame);
    }

    /**
     * Sends a request followed by {@code body}'s bytes (an archive for {@code load}: the agent
     * reads them from the socket, so it needs no path of the caller's) and returns the result.
     */
    public JsonNode upload(String verb, JsonNode args, java.io.InputStream body) throws IOException {
        return send(verb, args, body, frame -> { });
    }

    private JsonNode send(String verb, JsonNode args, java.io.InputStream body, Consumer<JsonNode> onFrame)
            throws IOException {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException | UnsupportedOperationException e) {
            throw new UnreachableException("the Berth agent is not running (no answer on " + socket + ")", e);
        }
        try (channel) {
            OutputStream out = Channels.newOutputStream(channel);
            out.write((ClientJson.request(verb, args) + "\n").getBytes(StandardCharsets.UTF_8));
            IOException sending = null;
            try {
                if (body != null) {
                    body.transferTo(out);
                }
                out.flush();
            } catch (IOException e) {
                sending = e; // the agent may have answered (a refusal) and stopped reading: read its answer
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode node = ClientJson.read(line);
                if (node.has("ok")) {
                    if (node.path("ok").asBoolean()) {
                        JsonNode result = node.get("result");
                        return result == null || result.isNull() ? null : result;
                    }
                    throw new RefusedException(node);
                }
                onFrame.accept(node);
            }
            if (sending != null) {
                throw new IOException("sending to the agent failed: " + sending.getMessage(), sending);
            }
            throw new IOException("the agent closed the connection without an answer (see its log)");
        }
    }
}
