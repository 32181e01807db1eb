package io.berth.localapi;

/** Serves requests; runs on one of the server's worker threads, so it may block (within reason). */
interface Handler {
    void handle(Request request, Reply reply) throws Exception;
}
