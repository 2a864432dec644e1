package io.achat.server;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;

/** The book's door: a TCP socket whose bytes {@link Lines} (a {@code RecordParser}) splits into lines. */
final class TcpLink implements Link {

  /** Written and never changed: a socket writes a slice of it, so one serves every socket. */
  private static final Buffer NOTHING = Buffer.buffer(0);

  private final NetSocket socket;
  private final int maxLineLength;
  private Lines lines;

  TcpLink(NetSocket socket, int maxLineLength) {
    this.socket = socket;
    this.maxLineLength = maxLineLength;
  }

  @Override
  public void open(Connection connection) {
    lines = new Lines(socket, maxLineLength, connection, v -> connection.ended());
    socket.closeHandler(v -> connection.closed());
  }

  @Override
  public boolean secure() {
    return socket.isSsl();
  }

  @Override
  public SocketAddress remoteAddress() {
    return socket.remoteAddress();
  }

  @Override
  public void pause() {
    lines.pause();
  }

  @Override
  public void resume() {
    lines.resume();
  }

  @Override
  public Future<Void> write(Buffer bytes) {
    return socket.write(bytes);
  }

  /** No bytes: an empty write completes at once unless the socket's queue is stuck. */
  @Override
  public void keepAlive() {
    socket.write(NOTHING);
  }

  @Override
  public void close() {
    socket.close();
  }
}
