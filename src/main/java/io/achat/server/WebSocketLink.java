package io.achat.server;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.net.SocketAddress;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * The browser's door: a WebSocket whose every text message is one line, the login first, and
 * which gets one text message per line the server sends. A message may come in fragments; over
 * {@code maxLineLength} it ends the connection as an over-long line does on TCP.
 */
final class WebSocketLink implements Link {

  private static final Logger log = LoggerFactory.getLogger(WebSocketLink.class);

  /** Why a frame is not a line, for {@link Connection#unreadable}. */
  static final String BINARY = "not text (send text frames)";
  static final String LINE_BREAK = "more than one line (send one line per frame)";

  private final ServerWebSocket socket;
  /** The client's address: the peer's, or the one a trusted proxy forwarded for. */
  private final SocketAddress client;
  private final Context context;
  /** The longest message that can still be a line: maxLineLength plus a CRLF. */
  private final int maxMessage;
  private Connection connection;
  /** The frames so far of a message that is not finished, or {@code null}. */
  private Buffer message;
  /** The bytes of {@code message} counted against the client's holdings. */
  private long held;
  private boolean binary;
  /** The rest of a message already refused as too long is dropped. */
  private boolean discarding;
  private boolean paused;
  private boolean ended;
  private boolean closed;

  WebSocketLink(ServerWebSocket socket, Context context, int maxLineLength, SocketAddress client) {
    this.socket = socket;
    this.client = client;
    this.context = context;
    this.maxMessage = maxLineLength + 2;
  }

  @Override
  public void open(Connection connection) {
    this.connection = connection;
    socket.frameHandler(this::frame);
    socket.exceptionHandler(this::failed);
    // The client's close frame comes in order with its messages, like the end of a TCP stream.
    socket.endHandler(v -> end());
    socket.closeHandler(v -> {
      closed = true;
      connection.closed();
      endAfterPending();
    });
  }

  private void frame(WebSocketFrame frame) {
    if (!frame.isText() && !frame.isBinary() && !frame.isContinuation()) {
      return; // Vert.x answers pings and closes itself
    }
    if (!frame.isContinuation()) {
      binary = frame.isBinary();
      discarding = false;
    } else if (discarding) {
      discarding = !frame.isFinal();
      return;
    }
    if (!frame.isContinuation()) {
      forget();
    }
    Buffer data = frame.binaryData();
    long size = (message == null ? 0 : message.length()) + (long) data.length();
    if (size > maxMessage) {
      forget();
      discarding = !frame.isFinal();
      connection.tooLong();
      return;
    }
    if (!frame.isFinal()) {
      message = message == null ? data.copy() : message.appendBuffer(data);
      held += data.length();
      connection.holding(data.length());
      return;
    }
    Buffer whole = message == null ? data : message.appendBuffer(data);
    forget();
    if (binary) {
      connection.unreadable(BINARY);
    } else {
      line(whole);
    }
  }

  /** The fragments of an unfinished message are no longer held. */
  private void forget() {
    message = null;
    if (held > 0) {
      connection.holding(-held);
      held = 0;
    }
  }

  /** One message, one line: a trailing line end is allowed, one inside is not. */
  private void line(Buffer text) {
    int length = text.length();
    if (length > 0 && text.getByte(length - 1) == '\n') {
      length--;
    }
    int end = length > 0 && text.getByte(length - 1) == '\r' ? length - 1 : length;
    for (int i = 0; i < end; i++) {
      byte b = text.getByte(i);
      if (b == '\n' || b == '\r') {
        connection.unreadable(LINE_BREAK);
        return;
      }
    }
    connection.line(length == text.length() ? text : text.slice(0, length));
  }

  /**
   * A frame over the WebSocket layer's own bound (twice maxLineLength) is refused before it is
   * read; after that nothing more can be read from the connection.
   */
  private void failed(Throwable e) {
    if (String.valueOf(e.getMessage()).contains("frame length")) {
      connection.tooLong();
    } else {
      log.debug("{}: {}", socket.remoteAddress(), e.toString());
    }
  }

  private void end() {
    if (!ended) {
      ended = true;
      connection.ended();
    }
  }

  /**
   * A connection that closed without a close frame has still sent what was read before: the end
   * comes once reading resumes and those messages have been handled.
   */
  private void endAfterPending() {
    if (!ended && !paused) {
      context.runOnContext(v -> {
        if (!paused) {
          end();
        }
      });
    }
  }

  @Override
  public boolean secure() {
    return socket.isSsl();
  }

  @Override
  public SocketAddress remoteAddress() {
    return client;
  }

  @Override
  public void pause() {
    paused = true;
    socket.pause();
  }

  @Override
  public void resume() {
    paused = false;
    socket.resume();
    if (closed) {
      endAfterPending();
    }
  }

  /** One text message per line, without its {@code \n}. */
  @Override
  public Future<Void> write(Buffer lines) {
    Future<Void> written = null;
    int start = 0;
    for (int i = 0, n = lines.length(); i < n; i++) {
      if (lines.getByte(i) == '\n') {
        written = socket.writeTextMessage(lines.getString(start, i, StandardCharsets.UTF_8.name()));
        start = i + 1;
      }
    }
    return written == null ? Future.succeededFuture() : written;
  }

  @Override
  public void close() {
    socket.close();
  }

  @Override
  public void ping() {
    if (!closed) {
      socket.writePing(Buffer.buffer(0));
    }
  }
}
