package io.achat.bench;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;

/**
 * The line protocol over a WebSocket: each text message (whether in one frame or several)
 * carries whole lines, each ending in {@code \n}, both ways; a message from the server whose
 * last line has no {@code \n} (as older servers send) is read as a line too.
 */
final class WebSocketClientLink implements ClientLink {

  private static final int MAX_SIZE = 1 << 20;
  /** Lines sent in one message, up to this many bytes: well under any server's line bound. */
  private static final int MAX_BATCH = 4096;

  private final WebSocket socket;
  private final Client client;
  private final LineReader lines;
  /** The message being received is binary: no line, and counted garbled when it ends. */
  private boolean binary;

  private WebSocketClientLink(WebSocket socket, Client client, LineReader lines) {
    this.socket = socket;
    this.client = client;
    this.lines = lines;
    socket.frameHandler(this::frame);
    socket.closeHandler(v -> lines.closed(client));
  }

  /** Options for the one client all WebSocket connections of a run share. */
  static WebSocketClientOptions clientOptions(int connectTimeoutMillis) {
    return new WebSocketClientOptions()
      .setTcpNoDelay(true)
      .setConnectTimeout(connectTimeoutMillis)
      // The default of 50 connections per address would hold the other clients back until those close.
      .setMaxConnections(Integer.MAX_VALUE)
      .setTryUsePerMessageCompression(false)
      .setTryUsePerFrameCompression(false)
      .setMaxFrameSize(MAX_SIZE)
      .setMaxMessageSize(MAX_SIZE);
  }

  /** Opens {@code client}'s WebSocket to {@code target}, with no Origin header: the bench is no browser. */
  static Future<ClientLink> connect(WebSocketClient webSockets, Address target, long handshakeTimeoutMillis,
                              Client client, LineReader lines) {
    WebSocketConnectOptions options = new WebSocketConnectOptions()
      .setHost(target.host())
      .setPort(target.port())
      .setURI(target.path())
      .setAllowOriginHeader(false)
      .setTimeout(handshakeTimeoutMillis);
    return webSockets.connect(options).map(socket -> new WebSocketClientLink(socket, client, lines));
  }

  /** Joins the frames of one message, in the client's partial line, and hands it on as one line. */
  private void frame(WebSocketFrame frame) {
    switch (frame.type()) {
      case TEXT, BINARY -> {
        binary = frame.isBinary();
        if (frame.isFinal()) {
          message(frame.binaryData());
        } else {
          client.partial = Buffer.buffer(256).appendBuffer(frame.binaryData());
        }
      }
      case CONTINUATION -> {
        if (client.partial == null) {
          return; // A continuation with no message begun: Vert.x closes such a connection.
        }
        client.partial.appendBuffer(frame.binaryData());
        if (frame.isFinal()) {
          Buffer whole = client.partial;
          client.partial = null;
          message(whole);
        }
      }
      default -> {
        // Ping, pong and close are answered by Vert.x; the close ends in the close handler.
      }
    }
  }

  private void message(Buffer data) {
    if (binary) {
      lines.garbled(client);
      return;
    }
    byte[] bytes = data.getBytes();
    int start = 0;
    int n = bytes.length;
    for (int i = 0; i < n; i++) {
      if (bytes[i] == '\n') {
        lines.line(client, bytes, start, i);
        start = i + 1;
      }
    }
    if (start < n || n == 0) {
      lines.line(client, bytes, start, n);
    }
  }

  /** {@code text}'s lines, as few messages of whole lines as {@link #MAX_BATCH} allows. */
  @Override
  public void send(String text) {
    if (text.length() <= MAX_BATCH) {
      socket.writeTextMessage(text);
      return;
    }
    int start = 0;
    int end = 0;
    for (int newline; (newline = text.indexOf('\n', end)) >= 0; end = newline + 1) {
      if (newline + 1 - start > MAX_BATCH && end > start) {
        socket.writeTextMessage(text.substring(start, end));
        start = end;
      }
    }
    if (end > start) {
      socket.writeTextMessage(text.substring(start, end));
    }
  }

  @Override
  public void close() {
    socket.close();
  }
}
