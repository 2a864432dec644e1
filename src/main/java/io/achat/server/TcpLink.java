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
  private boolean paused;

  TcpLink(NetSocket socket, int maxLineLength) {
    this.socket = socket;
    this.maxLineLength = maxLineLength;
  }

  @Override
  public void open(Inbound inbound) {
    lines = new Lines(socket, maxLineLength, inbound, v -> inbound.ended());
    socket.closeHandler(v -> inbound.closed());
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
  public void reading(boolean read) {
    if (read == paused) {
      paused = !read;
      if (read) {
        lines.resume();
      } else {
        lines.pause();
      }
    }
  }

  @Override
  public boolean reading() {
    return !paused;
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
