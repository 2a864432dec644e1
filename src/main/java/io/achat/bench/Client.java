package io.achat.bench;

import io.vertx.core.buffer.Buffer;

/** One simulated user: its connection and what the modes track of it, on the event loop only. */
final class Client {
  final int index;
  final String name;
  /** Its connection, over TCP or a WebSocket; {@code null} until connected. */
  ClientLink link;
  /** The start of a line cut between two reads, or of a WebSocket message cut into frames. */
  Buffer partial;
  long connectStart;
  /** Deliveries sent and not yet seen or known lost: what fills the closed loop's window. */
  long outstanding;
  boolean registered;
  /** Queued for the closed loop's next refill. */
  boolean dirty;
  /** Closed by us, so the server closing it is no error. */
  boolean closing;

  Client(int index, String name) {
    this.index = index;
    this.name = name;
  }
}
