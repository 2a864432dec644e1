package io.achat.server;

import io.achat.config.BusAddresses;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One accept loop's part of {@code maxClientMemory}, the node's budget for what its clients make
 * it hold (Redis's {@code maxmemory-clients}): while the node holds more, the connections holding
 * the most are cut off, largest first. Each loop sees only its own connections: one holding more
 * than its share (the budget over the number of loops) cuts off its largest until it is back
 * within it or the node within the budget; one within its share tells the others, since the
 * largest are theirs.
 */
final class MemoryBudget {

  private final Vertx vertx;
  private final Context context;
  private final long budget;
  private final ClientMemory node;
  private final LoopConnections connections;
  /** What this loop's connections hold. */
  private long held;
  private boolean checkScheduled;

  MemoryBudget(Vertx vertx, Context context, long budget, ClientMemory node, LoopConnections connections) {
    this.vertx = vertx;
    this.context = context;
    this.budget = budget;
    this.node = node;
    this.connections = connections;
  }

  /**
   * A connection holds {@code bytes} more (fewer when negative) for its client. Past the budget
   * the largest holders are cut off, once the current task is done.
   */
  void hold(long bytes) {
    held += bytes;
    long total = node.add(bytes);
    if (bytes > 0 && total > budget && !checkScheduled) {
      checkScheduled = true;
      context.runOnContext(v -> {
        checkScheduled = false;
        evictIfOver(true);
      });
    }
  }

  /** Cuts off this loop's largest holders while the node is over budget; {@code tellOthers} when they are not here. */
  void evictIfOver(boolean tellOthers) {
    long share = budget / node.loops();
    if (node.held() <= budget) {
      return;
    }
    if (held <= share) {
      if (tellOthers && node.loops() > 1) {
        vertx.eventBus().publish(BusAddresses.MEMORY_OVER, null, BusAddresses.LOCAL);
      }
      return;
    }
    List<Connection> holders = new ArrayList<>();
    for (Connection connection : connections.live()) {
      if (connection.evictable() && connection.held() > 0) {
        holders.add(connection);
      }
    }
    holders.sort(Comparator.comparingLong(Connection::held).reversed());
    for (Connection connection : holders) {
      if (node.held() <= budget || held <= share) {
        break;
      }
      connection.evictForMemory(budget);
    }
  }
}
