package io.achat.server;

import io.achat.ops.ChatMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes a node holds for its clients, all accept loops together, against
 * {@code maxClientMemory}: what is queued for each connection, what its parser holds, and what it
 * sent that the broker (or another node) has not routed yet. Each connection's own share is
 * counted on its accept loop; only the sum lives here, in counters any loop may add to without a
 * lock.
 */
final class ClientMemory implements Shareable {

  private static final String KEY = "memory";

  private final AtomicLong held = new AtomicLong();
  private final AtomicInteger loops = new AtomicInteger();
  private final AtomicBoolean metered = new AtomicBoolean();

  /** The budget of {@code vertx}'s a-chat, made by the first accept loop that asks. */
  static ClientMemory of(Vertx vertx) {
    LocalMap<String, ClientMemory> shared = vertx.sharedData().getLocalMap("a-chat.memory");
    ClientMemory fresh = new ClientMemory();
    ClientMemory raced = shared.putIfAbsent(KEY, fresh);
    return raced != null ? raced : fresh;
  }

  /** Adds {@code bytes} (negative to give them back); returns the node's total after it. */
  long add(long bytes) {
    return held.addAndGet(bytes);
  }

  long held() {
    return held.get();
  }

  /** How many accept loops share the budget: each keeps its own holdings under its share when the node is over. */
  int loops() {
    return Math.max(1, loops.get());
  }

  void loopStarted() {
    loops.incrementAndGet();
  }

  void loopStopped() {
    loops.decrementAndGet();
  }

  /** Serves the total in {@code metrics}, once. */
  void meter(ChatMetrics metrics, long budget) {
    if (metered.compareAndSet(false, true)) {
      metrics.clientMemory(held, budget);
    }
  }
}
