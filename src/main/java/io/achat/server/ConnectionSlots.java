package io.achat.server;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's open connections counted against {@code maxConnections}. The one piece of state
 * the accept loops share, so it is a single atomic counter.
 */
public final class ConnectionSlots {

  private final AtomicInteger open = new AtomicInteger();
  private final int max;

  public ConnectionSlots(int max) {
    this.max = max;
  }

  /** Takes a slot for a new connection, or returns {@code false} when the server is full. */
  boolean tryAcquire() {
    while (true) {
      int now = open.get();
      if (now >= max) {
        return false;
      }
      if (open.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  void release() {
    open.decrementAndGet();
  }

  public int open() {
    return open.get();
  }
}
