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
   * Starts reading: each line the client sends goes to {@link Connection#line} (its {@code \n}
   * removed), then {@link Connection#ended} once the client has sent everything, and
   * {@link Connection#closed} when the socket is closed. What the link holds of the client's bytes
   * before they make up a line it reports to {@link Connection#holding}.
   */
  void open(Connection connection);

  SocketAddress remoteAddress();

  /** Whether the client's bytes travel over TLS. */
  boolean secure();

  /** Stops reading; what the client sends meanwhile waits in the network buffers. */
  void pause();

  void resume();

  /** Writes {@code lines}, each ending in {@code \n}; completes once they have left for the network. */
  Future<Void> write(Buffer lines);

  /** Closes once what was written before has left. */
  void close();

  /**
   * Tells the socket's idle timer that its output moves, when nothing was written lately (see
   * {@link Connection#heartbeat}); sends nothing to the client.
   */
  default void keepAlive() {
  }

  /** Asks the client to show it is still there (a WebSocket ping); its answer is read like any frame. */
  default void ping() {
  }
}
