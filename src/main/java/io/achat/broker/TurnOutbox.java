package io.achat.broker;

import io.achat.config.BusAddresses;
import io.achat.ops.ChatMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the broker has to send at the end of its turn: the lines routed to each user in one
 * buffer, each accept loop's part of them with the answers to its events in one
 * {@link Delivery}, and the turn's counts. Runs on the broker's context only.
 */
final class TurnOutbox {

  private final Vertx vertx;
  private final ChatMetrics metrics;
  private final EndOfTurn endOfTurn;
  private final Map<String, LoopOutbox> loops = new HashMap<>();
  private final List<LoopOutbox> touched = new ArrayList<>();
  private final List<Recipient> unflushed = new ArrayList<>();
  private long routed;
  private long delivered;
  private long notConnected;

  TurnOutbox(Vertx vertx, ChatMetrics metrics, EndOfTurn endOfTurn) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.endOfTurn = endOfTurn;
  }

  /** The outbox of the accept loop at {@code inbox}, which the broker knows of from now on. */
  LoopOutbox loop(String inbox) {
    return loops.computeIfAbsent(inbox, LoopOutbox::new);
  }

  /** The accept loops the broker has heard from. */
  Set<String> loops() {
    return loops.keySet();
  }

  /** Adds {@code part} to the delivery for the accept loop at {@code inbox}. */
  void add(String inbox, Delivery.Part part) {
    add(loop(inbox), part);
  }

  void add(LoopOutbox loop, Delivery.Part part) {
    loop.add(part);
    touch(loop);
  }

  /** Gives {@code bytes} of flow-control credit back to {@code from}'s connection. */
  void routed(PeerId from, int bytes) {
    LoopOutbox loop = loop(from.loop());
    loop.routed(from.connection(), bytes);
    touch(loop);
  }

  /** Adds a message line to what {@code recipient} gets this turn: a delivery, counted. */
  void deliver(Recipient recipient, Buffer line) {
    delivered++;
    answer(recipient, line);
  }

  /** Adds an answer of the server (an {@code error:} line) to what {@code recipient} gets this turn. */
  void answer(Recipient recipient, Buffer line) {
    if (recipient.add(line)) {
      unflushed.add(recipient);
      touch(recipient.loop);
    }
  }

  /** Counts a message line routed by this node's broker, and whether it had recipients not connected. */
  void countRouted(boolean someNotConnected) {
    routed++;
    if (someNotConnected) {
      notConnected++;
    }
  }

  /** Asks for the end of the turn without adding anything (another node's acknowledgements wait). */
  void request() {
    endOfTurn.request();
  }

  private void touch(LoopOutbox loop) {
    if (!loop.touched) {
      loop.touched = true;
      touched.add(loop);
    }
    endOfTurn.request();
  }

  /** Ends the turn: every accept loop it has something for gets it in one delivery. */
  void flush(int usersOnline) {
    metrics.routed(routed, delivered, notConnected);
    metrics.usersOnline(usersOnline);
    routed = 0;
    delivered = 0;
    notConnected = 0;
    for (Recipient recipient : unflushed) {
      recipient.flush();
    }
    unflushed.clear();
    for (LoopOutbox loop : touched) {
      loop.touched = false;
      if (!loop.isEmpty()) {
        vertx.eventBus().send(loop.inbox, loop.take(), BusAddresses.LOCAL);
      }
    }
    touched.clear();
  }
}
