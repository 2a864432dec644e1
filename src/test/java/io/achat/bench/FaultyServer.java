package io.achat.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal server of the protocol that misbehaves on purpose: it drops or repeats every
 * {@code every}-th delivery that is not to the sender itself, or garbles it. Proves the
 * benchmark's accounting catches each kind of fault, and counts it exactly.
 */
final class FaultyServer implements AutoCloseable {

  enum Fault { DROP, DUPLICATE, GARBLE }

  private final NetServer server;
  private final Map<String, NetSocket> peers = new HashMap<>();
  final AtomicLong faults = new AtomicLong();
  private long deliveries;

  FaultyServer(Vertx vertx, Fault fault, int every) throws Exception {
    server = vertx.createNetServer().connectHandler(socket -> {
      String[] login = {null};
      socket.handler(RecordParser.newDelimited("\n", buffer -> {
        String line = buffer.toString();
        if (login[0] == null) {
          login[0] = line.trim();
          peers.put(login[0], socket);
          return;
        }
        int colon = line.indexOf(':');
        String text = line.substring(colon + 1).trim();
        for (String name : line.substring(0, colon).split(",")) {
          NetSocket to = peers.get(name.trim());
          if (to == null) {
            continue;
          }
          Buffer out = Buffer.buffer("from " + login[0] + ": " + text + "\n");
          boolean selfAddressed = name.trim().equals(login[0]);
          if (!selfAddressed && ++deliveries % every == 0) {
            faults.incrementAndGet();
            switch (fault) {
              case DROP -> { }
              // Both copies in one write, so that they arrive together: a client that stops
              // reading once it has every line it expected has read the copy too.
              case DUPLICATE -> to.write(Buffer.buffer().appendBuffer(out).appendBuffer(out));
              case GARBLE -> to.write(Buffer.buffer("frmo " + login[0] + " " + text + "\n"));
            }
          } else {
            to.write(out);
          }
        }
      }));
    });
    server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  int port() {
    return server.actualPort();
  }

  @Override
  public void close() {
    server.close();
  }
}
