package io.achat.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A second address for one server: passes bytes both ways between each connection and a
 * connection of its own to the server, and notes the first line of each, its login. Shows which
 * clients came through which address while they all share one chat.
 */
final class Relay implements AutoCloseable {

  private final NetServer server;
  private final NetClient upstream;
  /** Filled on the relay's event loop, read by the test. */
  private final Queue<String> logins = new ConcurrentLinkedQueue<>();

  Relay(Vertx vertx, int serverPort) throws Exception {
    upstream = vertx.createNetClient();
    server = vertx.createNetServer().connectHandler(in -> {
      // Held until the server's side is open, so that the login is not read before it can be passed on.
      in.pause();
      upstream.connect(serverPort, "127.0.0.1").onComplete(ar -> {
        if (ar.failed()) {
          in.close();
          return;
        }
        Buffer head = Buffer.buffer();
        boolean[] named = {false};
        in.handler(chunk -> {
          if (!named[0]) {
            head.appendBuffer(chunk);
            int newline = head.toString().indexOf('\n');
            if (newline >= 0) {
              named[0] = true;
              logins.add(head.toString().substring(0, newline));
            }
          }
          ar.result().write(chunk);
        });
        ar.result().handler(in::write);
        in.closeHandler(v -> ar.result().close());
        ar.result().closeHandler(v -> in.close());
        in.resume();
      });
    });
    server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
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
