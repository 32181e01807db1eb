package io.berth.engine.docker;

import com.github.dockerjava.transport.DockerHttpClient;
import io.berth.engine.http.EngineHttp;
import io.berth.engine.http.Exchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * docker-java's transport for {@code unix://} hosts over Berth's own {@link EngineHttp}: one
 * connection per request. It replaces docker-java's Apache httpclient5 transport because that
 * one builds a TLS context, a hostname verifier and the public-suffix list at start-up even
 * though a unix socket never uses them (about 600 classes and a few MiB of heap on a small
 * device). Hijacked (attached stdin) requests are not supported: the agent never attaches.
 */
final class UnixHttpClient implements DockerHttpClient {
    private final EngineHttp http;

    UnixHttpClient(Path socket) {
        this.http = EngineHttp.of(socket);
    }

    @Override
    public Response execute(Request request) {
        if (request.hijackedInput() != null) {
            throw new UnsupportedOperationException("attaching to a container's stdin is not supported");
        }
        try {
            Map<String, String> headers = new LinkedHashMap<>(request.headers());
            byte[] body = request.bodyBytes();
            InputStream in = request.body();
            if (body == null && in != null) {
                body = in.readAllBytes();
            }
            Exchange exchange = http.open(request.method(), request.path(), headers, body);
            return new Answer(exchange);
        } catch (IOException e) {
            throw new UncheckedIOException("engine " + http.host() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        // no pooled connections
    }

    private record Answer(Exchange exchange) implements Response {
        @Override
        public int getStatusCode() {
            return exchange.head().status();
        }

        @Override
        public Map<String, List<String>> getHeaders() {
            return exchange.head().headers();
        }

        @Override
        public String getHeader(String name) {
            return exchange.head().header(name);
        }

        @Override
        public InputStream getBody() {
            return exchange.body();
        }

        @Override
        public void close() {
            exchange.close();
        }
    }
}
