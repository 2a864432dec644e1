package io.achat.server;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;

/**
 * One client's socket as its {@link Connection} sees it: lines in, lines out. A plain TCP socket
 * ({@link TcpLink}) and a WebSocket ({@link WebSocketLink}) carry the same protocol.
 */
interface Link {

  /**
   * Starts reading: each line the client sends goes to {@link Inbound#line} (its {@code \n}
   * removed), then {@link Inbound#ended} once the client has sent everything, and
   * {@link Inbound#closed} when the socket is closed. What the link holds of the client's bytes
   * before they make up a line it reports to {@link Inbound#holding}.
   */
  void open(Inbound inbound);

  SocketAddress remoteAddress();

  /** Whether the client's bytes travel over TLS. */
  boolean secure();

  /**
   * Reads what the client sends, or stops reading (what it sends meanwhile waits in the network
   * buffers, and TCP slows it down); a call that changes nothing does nothing.
   */
  void reading(boolean read);

  /** Whether it reads now: from its open until told otherwise. */
  boolean reading();

  /** Writes {@code lines}, each ending in {@code \n}; completes once they have left for the network. */
  Future<Void> write(Buffer lines);

  /** Closes once what was written before has left. */
  void close();

  /**
   * Tells the socket's idle timer that its output moves, when nothing was written lately (see
   * {@link Inbound#heartbeat}); sends nothing to the client.
   */
  default void keepAlive() {
  }

  /** Asks the client to show it is still there (a WebSocket ping); its answer is read like any frame. */
  default void ping() {
  }
}
