package io.achat.server;

import io.achat.broker.EndOfTurn;
import io.achat.broker.Event;
import io.achat.config.BusAddresses;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What an accept loop's connections tell the broker: the events of one turn of the loop go
 * together, after every read of the turn, in the order they were produced.
 */
final class BrokerOutbox {

  private final Vertx vertx;
  private final EndOfTurn endOfTurn;
  private List<Event> events = new ArrayList<>();

  BrokerOutbox(Vertx vertx, Context context) {
    this.vertx = vertx;
    this.endOfTurn = new EndOfTurn(context, this::flush);
  }

  /** Queues {@code event} for the broker, sent at the end of this turn. */
  void send(Event event) {
    events.add(event);
    endOfTurn.request();
  }

  /** Sends what is queued now. */
  void flush() {
    if (events.isEmpty()) {
      return;
    }
    Event event = events.size() == 1 ? events.get(0) : new Event.Events(Collections.unmodifiableList(events));
    events = new ArrayList<>();
    vertx.eventBus().send(BusAddresses.BROKER, event, BusAddresses.LOCAL);
  }
}
