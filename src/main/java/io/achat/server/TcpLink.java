package io.achat.server;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.parsetools.RecordParser;

/** The book's door: a TCP socket whose bytes {@link RecordParser} splits into lines. */
final class TcpLink implements Link {

  private final NetSocket socket;
  private final int maxLineLength;
  private RecordParser lines;

  TcpLink(NetSocket socket, int maxLineLength) {
    this.socket = socket;
    this.maxLineLength = maxLineLength;
  }

  @Override
  public void open(Connection connection) {
    // The bound is on the unfinished line, plus the '\r' of a CRLF; each whole line is checked too.
    lines = RecordParser.newDelimited("\n", socket).maxRecordSize(maxLineLength + 1);
    lines.handler(connection::line);
    lines.exceptionHandler(connection::failed);
    lines.endHandler(v -> connection.ended());
    socket.closeHandler(v -> connection.closed());
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

  @Override
  public void close() {
    socket.close();
  }
}
