package io.achat.broker;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What the broker has for one accept loop in the current turn, sent as one {@link Delivery} at
 * its end. The flow-control counts of one connection's consecutive events are summed into one
 * {@link Delivery.Routed}.
 */
final class LoopOutbox {

  final String inbox;
  /** Whether the broker has this outbox in its list for the end of the turn. */
  boolean touched;
  private List<Delivery.Part> parts = new ArrayList<>();
  private long routedConnection = -1;
  private int routedBytes;

  LoopOutbox(String inbox) {
    this.inbox = inbox;
  }

  boolean isEmpty() {
    return parts.isEmpty() && routedConnection < 0;
  }

  void add(Delivery.Part part) {
    parts.add(part);
  }

  void routed(long connection, int bytes) {
    if (connection != routedConnection) {
      endRouted();
      routedConnection = connection;
    }
    routedBytes += bytes;
  }

  private void endRouted() {
    if (routedConnection >= 0) {
      parts.add(new Delivery.Routed(routedConnection, routedBytes));
      routedConnection = -1;
      routedBytes = 0;
    }
  }

  /** Empties the outbox into a delivery. */
  Delivery take() {
    endRouted();
    Delivery delivery = new Delivery(Collections.unmodifiableList(parts));
    parts = new ArrayList<>();
    return delivery;
  }
}
