package io.achat.server;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.core.streams.ReadStream;

/** The book's door: a TCP socket whose bytes {@link RecordParser} splits into lines. */
final class TcpLink implements Link {

  private final NetSocket socket;
  private final int maxLineLength;
  private RecordParser lines;
  private Connection connection;
  /** Bytes read from the socket, and bytes of them handed over as lines (with their '\n'). */
  private long received;
  private long consumed;
  private long reported;

  TcpLink(NetSocket socket, int maxLineLength) {
    this.socket = socket;
    this.maxLineLength = maxLineLength;
  }

  @Override
  public void open(Connection connection) {
    this.connection = connection;
    // The bound is on the unfinished line, plus the '\r' of a CRLF; each whole line is checked too.
    lines = RecordParser.newDelimited("\n", new Counted()).maxRecordSize(maxLineLength + 1);
    lines.handler(line -> {
      consumed += line.length() + 1;
      connection.line(line);
    });
    lines.exceptionHandler(connection::failed);
    lines.endHandler(v -> connection.ended());
    socket.closeHandler(v -> connection.closed());
  }

  /** Tells the connection how much of what was read the parser still holds. */
  private void report() {
    long held = Math.max(0, received - consumed);
    if (held != reported) {
      long change = held - reported;
      reported = held;
      connection.holding(change);
    }
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
    report();
  }

  @Override
  public Future<Void> write(Buffer bytes) {
    return socket.write(bytes);
  }

  /** No bytes: an empty write completes at once unless the socket's queue is stuck. */
  @Override
  public void keepAlive() {
    socket.write(Buffer.buffer(0));
  }

  @Override
  public void close() {
    socket.close();
  }

  /** The socket as the parser reads it, counting the bytes on their way in. */
  private final class Counted implements ReadStream<Buffer> {

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
      socket.handler(handler == null ? null : chunk -> {
        received += chunk.length();
        handler.handle(chunk);
        report();
      });
      return this;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      socket.exceptionHandler(handler);
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> handler) {
      socket.endHandler(handler);
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      socket.pause();
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      socket.resume();
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      socket.fetch(amount);
      return this;
    }
  }
}
