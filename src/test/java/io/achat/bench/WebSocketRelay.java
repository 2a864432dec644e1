package io.achat.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A WebSocket door to a server of the line protocol over TCP, at {@code /ws}: each text frame in
 * is passed on as it is, its lines ending in '\n'; the whole lines of each read from the server
 * go out as one text message (or, with {@code fragment}, each line without its '\n' in two
 * frames, as older servers sent). Notes what the benchmark must get right: whole lines in whole
 * frames, no Origin header, the logins it saw.
 */
final class WebSocketRelay implements AutoCloseable {

  private final HttpServer server;
  private final NetClient upstream;
  private final boolean fragment;
  private final String closeAfterReady;
  /** Filled on the relay's event loop, read by the test. */
  private final Queue<String> logins = new ConcurrentLinkedQueue<>();
  final AtomicLong framesIn = new AtomicLong();
  final AtomicLong linesIn = new AtomicLong();
  /** Frames in that were not whole text lines: binary, cut, or without a last '\n'. */
  final AtomicLong badFramesIn = new AtomicLong();
  final AtomicLong withOrigin = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();

  /**
   * @param fragment        send each line as two frames, a text frame and its continuation, without its '\n'
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
      String text = frame.textData();
      if (!frame.isText() || !frame.isFinal() || !text.endsWith("\n") || text.indexOf('\r') >= 0) {
        badFramesIn.incrementAndGet();
      }
      linesIn.addAndGet(text.chars().filter(c -> c == '\n').count());
      if (login[0] == null) {
        login[0] = text.substring(0, Math.max(0, text.indexOf('\n')));
        logins.add(login[0]);
      }
      out.write(text);
    });
    boolean[] closed = {false};
    Buffer[] pending = {Buffer.buffer()};
    out.handler(chunk -> {
      if (fragment) {
        lines(chunk, pending, text -> {
          int half = text.length() / 2;
          in.writeFrame(WebSocketFrame.textFrame(text.substring(0, half), false));
          in.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(text.substring(half)), true));
        });
      } else {
        // The whole lines of each read in one message, each ending in '\n', as the server sends them.
        pending[0].appendBuffer(chunk);
        int end = pending[0].length();
        while (end > 0 && pending[0].getByte(end - 1) != '\n') {
          end--;
        }
        if (end > 0) {
          in.writeTextMessage(pending[0].getString(0, end, "UTF-8"));
          pending[0] = pending[0].getBuffer(end, pending[0].length());
        }
      }
      if (!closed[0] && login[0] != null && login[0].equals(closeAfterReady)) {
        closed[0] = true;
        in.close();
      }
    });
    in.closeHandler(v -> out.close());
    out.closeHandler(v -> in.close());
  }

  /** Each whole line of what has come, without its '\n', to {@code line}: a line in two frames, as an older server sent it. */
  private static void lines(Buffer chunk, Buffer[] pending, Consumer<String> line) {
    pending[0].appendBuffer(chunk);
    int start = 0;
    for (int i = 0; i < pending[0].length(); i++) {
      if (pending[0].getByte(i) == '\n') {
        line.accept(pending[0].getString(start, i, "UTF-8"));
        start = i + 1;
      }
    }
    pending[0] = pending[0].getBuffer(start, pending[0].length());
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
