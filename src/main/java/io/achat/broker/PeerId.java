package io.achat.broker;

import io.vertx.core.buffer.Buffer;

/**
 * Names one client connection anywhere: the event-bus address of the accept loop that serves
 * it (unique per node) and the number that loop gave it.
 */
public record PeerId(String loop, long connection) {

  void write(Buffer out) {
    Wire.string(out, loop);
    out.appendLong(connection);
  }

  static PeerId read(Wire in) {
    return new PeerId(in.string(), in.i64());
  }
}
