package io.berth.engine.http;

import java.io.IOException;

/** The engine's socket answered with something that is not the HTTP Berth expects. */
final class HttpException extends IOException {
    public HttpException(String message) {
        super(message);
    }
}
