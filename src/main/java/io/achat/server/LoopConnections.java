package io.achat.server;

import io.achat.broker.Delivery;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An accept loop's connections by their number, and the dispatch of what the broker sends
 * them: each part of a {@link Delivery} to its connection, in the order the broker produced them.
 */
final class LoopConnections {

  private final Map<Long, Connection> byId = new HashMap<>();
  private long lastId;

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
    for (Delivery.Part part : delivery.parts()) {
      Connection connection = byId.get(part.connection());
      if (connection == null) {
        continue;
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
}
