package io.achat.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A WebSocket door to a server of the line protocol over TCP, at {@code /ws}: each text frame in
 * is passed on as a line, each line out is sent as one text message. Notes what the benchmark
 * must get right: one whole line per frame, no Origin header, the logins it saw.
 */
final class WebSocketRelay implements AutoCloseable {

  private final HttpServer server;
  private final NetClient upstream;
  private final boolean fragment;
  private final String closeAfterReady;
  /** Filled on the relay's event loop, read by the test. */
  private final Queue<String> logins = new ConcurrentLinkedQueue<>();
  final AtomicLong framesIn = new AtomicLong();
  /** Frames in that were not one whole text line: binary, cut, or holding a line break. */
  final AtomicLong badFramesIn = new AtomicLong();
  final AtomicLong withOrigin = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();

  /**
   * @param fragment        send each line as two frames, a text frame and its continuation
   * @param closeAfterReady a login whose WebSocket the relay closes once its first line reached it, or null
   */
  WebSocketRelay(Vertx vertx, int serverPort, boolean fragment, String closeAfterReady) throws Exception {
    this.fragment = fragment;
    this.closeAfterReady = closeAfterReady;
    upstream = vertx.createNetClient();
    server = vertx.createHttpServer()
      .webSocketHandshakeHandler(handshake -> {
        if (handshake.headers().contains("Origin") || handshake.headers().contains("Sec-WebSocket-Origin")) {
          withOrigin.incrementAndGet();
        }
        if (handshake.path().equals("/ws")) {
          handshake.accept();
        } else {
          rejected.incrementAndGet();
          handshake.reject(404);
        }
      })
      .webSocketHandler(in -> {
        // Held until the server's side is open, so that the login is not read before it can be passed on.
        in.pause();
        upstream.connect(serverPort, "127.0.0.1").onComplete(ar -> {
          if (ar.failed()) {
            in.close();
            return;
          }
          relay(in, ar.result());
          in.resume();
        });
      });
    server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  private void relay(ServerWebSocket in, NetSocket out) {
    String[] login = {null};
    in.frameHandler(frame -> {
      if (!frame.isText() && !frame.isBinary() && !frame.isContinuation()) {
        return;
      }
      framesIn.incrementAndGet();
      String line = frame.textData();
      if (!frame.isText() || !frame.isFinal() || line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
        badFramesIn.incrementAndGet();
      }
      if (login[0] == null) {
        login[0] = line;
        logins.add(line);
      }
      out.write(line + "\n");
    });
    boolean[] closed = {false};
    out.handler(RecordParser.newDelimited("\n", line -> {
      String text = line.toString();
      if (fragment && text.length() > 1) {
        int half = text.length() / 2;
        in.writeFrame(WebSocketFrame.textFrame(text.substring(0, half), false));
        in.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(text.substring(half)), true));
      } else {
        in.writeTextMessage(text);
      }
      if (!closed[0] && login[0] != null && login[0].equals(closeAfterReady)) {
        closed[0] = true;
        in.close();
      }
    }));
    in.closeHandler(v -> out.close());
    out.closeHandler(v -> in.close());
  }

  int port() {
    return server.actualPort();
  }

  List<String> logins() {
    return List.copyOf(logins);
  }

  @Override
  public void close() {
    server.close();
    upstream.close();
  }
}
