package io.achat.server;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.ReadStream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * The browser's door: a WebSocket whose text messages carry whole lines, the login first; the
 * last line of a message may leave out its {@code \n}. {@link Lines} (a {@code RecordParser})
 * splits them as it splits a TCP stream. What the server sends a connection in one turn leaves
 * as one text message of whole lines, each ending in {@code \n}, as long as it fits in a frame.
 * A message may come in fragments; a line in it over {@code maxLineLength}, or a message over a
 * frame, ends the connection as an over-long line does on TCP.
 */
final class WebSocketLink implements Link {

  private static final Logger log = LoggerFactory.getLogger(WebSocketLink.class);

  /** Why a message is not a line, for {@link Inbound#unreadable}. */
  static final String BINARY = "not text (send text frames)";
  private static final Buffer NEWLINE = Buffer.buffer("\n");

  private final ServerWebSocket socket;
  /** The client's address: the peer's, or the one a trusted proxy forwarded for. */
  private final SocketAddress client;
  private final Context context;
  private final int maxLineLength;
  /**
   * The longest message either side sends, the WebSocket layer's bound on a frame: room for a
   * line of maxLineLength and a sender's name. Lines beyond it go in the next message.
   */
  private final int maxFrame;
  private Inbound inbound;
  private Lines lines;
  /** Where whole text messages go: to {@link #lines}' parser. */
  private Handler<Buffer> messages;
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

  WebSocketLink(ServerWebSocket socket, Context context, int maxLineLength, int maxFrame, SocketAddress client) {
    this.socket = socket;
    this.client = client;
    this.context = context;
    this.maxLineLength = maxLineLength;
    this.maxFrame = maxFrame;
  }

  @Override
  public void open(Inbound inbound) {
    this.inbound = inbound;
    // The client's close frame comes in order with its messages, like the end of a TCP stream.
    lines = new Lines(new Messages(), maxLineLength, inbound, v -> end());
    socket.frameHandler(this::frame);
    socket.exceptionHandler(this::failed);
    socket.closeHandler(v -> {
      closed = true;
      inbound.closed();
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
    if (size > maxFrame) {
      forget();
      discarding = !frame.isFinal();
      inbound.tooLong();
      return;
    }
    if (!frame.isFinal()) {
      message = message == null ? data.copy() : message.appendBuffer(data);
      held += data.length();
      inbound.holding(data.length());
      return;
    }
    Buffer whole = message == null ? data : message.appendBuffer(data);
    forget();
    if (binary) {
      inbound.unreadable(BINARY);
    } else if (messages != null) {
      int n = whole.length();
      messages.handle(whole);
      if (n == 0 || whole.getByte(n - 1) != '\n') {
        messages.handle(NEWLINE); // the parser copies what it keeps
      }
    }
  }

  /** The fragments of an unfinished message are no longer held. */
  private void forget() {
    message = null;
    if (held > 0) {
      inbound.holding(-held);
      held = 0;
    }
  }

  /**
   * A frame over the WebSocket layer's own bound ({@code maxFrame}) is refused before it is
   * read; after that nothing more can be read from the connection.
   */
  private void failed(Throwable e) {
    if (String.valueOf(e.getMessage()).contains("frame length")) {
      inbound.tooLong();
    } else {
      log.debug("{}: {}", socket.remoteAddress(), e.toString());
    }
  }

  private void end() {
    if (!ended) {
      ended = true;
      inbound.ended();
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
  public void reading(boolean read) {
    if (read != paused) {
      return;
    }
    paused = !read;
    if (paused) {
      lines.pause();
      return;
    }
    lines.resume();
    if (closed) {
      endAfterPending();
    }
  }

  @Override
  public boolean reading() {
    return !paused;
  }

  /**
   * As few text messages as fit the lines, each of whole lines with their {@code \n} and at most
   * one frame long; a message is one write and one flush.
   */
  @Override
  public Future<Void> write(Buffer lines) {
    int n = lines.length();
    if (n <= maxFrame) {
      return n == 0 ? Future.succeededFuture() : socket.writeTextMessage(lines.toString(StandardCharsets.UTF_8));
    }
    Future<Void> written = null;
    int start = 0;
    int end = 0; // the end of the last whole line that fits in the message from start
    for (int i = 0; i < n; i++) {
      if (lines.getByte(i) == '\n') {
        if (i + 1 - start > maxFrame && end > start) {
          written = socket.writeTextMessage(lines.getString(start, end, StandardCharsets.UTF_8.name()));
          start = end;
        }
        end = i + 1;
      }
    }
    if (end > start) {
      written = socket.writeTextMessage(lines.getString(start, end, StandardCharsets.UTF_8.name()));
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

  /**
   * The socket's whole text messages, each ending in {@code \n}, as a stream for the parser; the
   * link itself says what went wrong ({@link #failed}).
   */
  private final class Messages implements ReadStream<Buffer> {

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
      messages = handler;
      return this;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
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
