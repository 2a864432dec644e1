package io.achat.server;

import io.achat.broker.Delivery;
import io.vertx.core.Vertx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An accept loop's connections by their number, and the dispatch of what the broker sends
 * them: each part of a {@link Delivery} to its connection, in the order the broker produced them.
 * A delivery for thousands of connections at once (a name with thousands of watchers came or
 * went) is handed out {@link #PARTS_PER_TURN} parts at a time, each slice after the loop has read
 * its sockets again (a 1 ms timer, which Netty runs after its next look at them); meanwhile a part
 * for a connection with nothing waiting goes at once, and one for a connection with parts waiting
 * goes behind them. So the other users of the loop wait for a slice, not for the whole.
 */
final class LoopConnections {

  /** Parts handed out before the loop reads its sockets again: a few milliseconds of writes. */
  static final int PARTS_PER_TURN = 512;

  private final Vertx vertx;
  private final Map<Long, Connection> byId = new HashMap<>();
  /** Parts still to hand out, in order, while a slice is waiting for its turn, and how many for each connection. */
  private final ArrayDeque<Delivery.Part> waiting = new ArrayDeque<>();
  private final Map<Long, Integer> waitingFor = new HashMap<>();
  private boolean sliceDue;
  private long lastId;

  LoopConnections(Vertx vertx) {
    this.vertx = vertx;
  }

  /** A number for a new connection, never used before on this loop. */
  long nextId() {
    return ++lastId;
  }

  void add(Connection connection) {
    byId.put(connection.id(), connection);
  }

  /** A connection is done with: nothing more is delivered to it. */
  void forget(Connection connection) {
    byId.remove(connection.id());
  }

  /** The connections now, in a list of their own (what is done to them may forget some). */
  List<Connection> all() {
    return new ArrayList<>(byId.values());
  }

  Collection<Connection> live() {
    return byId.values();
  }

  /** The broker's answers and lines for this loop's connections. */
  void deliver(Delivery delivery) {
    List<Delivery.Part> parts = delivery.parts();
    boolean big = parts.size() > PARTS_PER_TURN;
    if (waiting.isEmpty() && !big) {
      for (Delivery.Part part : parts) {
        deliver(part);
      }
      return;
    }
    for (Delivery.Part part : parts) {
      if (big || waitingFor.containsKey(part.connection())) {
        waiting.add(part);
        waitingFor.merge(part.connection(), 1, Integer::sum);
      } else {
        deliver(part);
      }
    }
    if (!sliceDue && !waiting.isEmpty()) {
      slice();
    }
  }

  /** Hands out the next slice of what waits, and sets a timer for the one after. */
  private void slice() {
    sliceDue = false;
    for (int i = 0; i < PARTS_PER_TURN && !waiting.isEmpty(); i++) {
      Delivery.Part part = waiting.poll();
      waitingFor.computeIfPresent(part.connection(), (id, n) -> n == 1 ? null : n - 1);
      deliver(part);
    }
    if (!waiting.isEmpty()) {
      sliceDue = true;
      vertx.setTimer(1, id -> slice());
    }
  }

  private void deliver(Delivery.Part part) {
    Connection connection = byId.get(part.connection());
    if (connection == null) {
      return;
    }
    if (part instanceof Delivery.Lines lines) {
      connection.write(lines.bytes());
    } else if (part instanceof Delivery.Routed routed) {
      connection.routed(routed.bytes());
    } else if (part instanceof Delivery.Joined joined) {
      connection.joined(joined.refusal());
    } else if (part instanceof Delivery.Released) {
      connection.released();
    } else if (part instanceof Delivery.Displaced) {
      connection.displaced();
    } else if (part instanceof Delivery.Watching watching) {
      connection.watching(watching.bytes());
    }
  }
}
