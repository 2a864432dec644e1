package io.achat.broker;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A logged-in user as the broker sees it: the socket, and how many bytes written to it have
 * not yet left for the network. Vert.x's {@code writeQueueFull()} counts queued writes, not
 * bytes, and from the broker's thread it trips on any burst, so the bytes are counted here;
 * each write's completion, on the socket's event loop, takes its bytes off again.
 */
final class Peer {

  private final NetSocket socket;
  private final AtomicLong queued = new AtomicLong();

  Peer(NetSocket socket) {
    this.socket = socket;
  }

  NetSocket socket() {
    return socket;
  }

  /** Bytes written and not yet handed to the kernel. */
  long queued() {
    return queued.get();
  }

  void write(Buffer line) {
    int n = line.length();
    queued.addAndGet(n);
    socket.write(line).onComplete(ar -> queued.addAndGet(-n));
  }
}
