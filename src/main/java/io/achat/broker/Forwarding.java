package io.achat.broker;

import io.achat.config.BusAddresses;
import io.achat.protocol.Replies;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The lines between this node's broker and the other nodes' brokers: those for users elsewhere
 * go out once a turn, one batch per node ({@link NodeOutbox}), and their senders get their
 * credit back once every node has acknowledged them; batches from other nodes are delivered
 * to the users here and acknowledged at the end of the turn ({@link Received}). Senders whose
 * lines a node never got, or may not have, are told so. Runs on the broker's context.
 */
final class Forwarding {

  private final String node;
  private final ClusterBus bus;
  private final TurnOutbox outbox;
  private final LocalUsers users;
  /** Runs each time batches were settled, as the broker's stop may wait for that. */
  private final Runnable settled;
  private final Map<String, NodeOutbox> nodes = new HashMap<>();
  private final List<NodeOutbox> touchedNodes = new ArrayList<>();
  /** Per node that sent batches: which came and which never did ({@link Received}). */
  private final Map<String, Received> received = new HashMap<>();
  /** Those of them that sent batches this turn, to acknowledge at its end. */
  private final List<Received> acks = new ArrayList<>();

  Forwarding(String node, ClusterBus bus, TurnOutbox outbox, LocalUsers users, Runnable settled) {
    this.node = node;
    this.bus = bus;
    this.outbox = outbox;
    this.users = users;
    this.settled = settled;
  }

  /**
   * Queues {@code message} for the brokers of the nodes in {@code byNode}, each with its
   * recipients there; the sender's credit waits until every one of them has routed it.
   */
  void forward(Event.Message message, Map<String, List<String>> byNode) {
    NodeOutbox.Credit credit = new NodeOutbox.Credit(message.from(), message.line().length(), byNode.size());
    byNode.forEach((there, recipients) -> {
      NodeOutbox to = nodes.computeIfAbsent(there, NodeOutbox::new);
      to.add(new Event.Message(message.from(), message.login(), recipients, message.line()), credit);
      if (!to.touched) {
        to.touched = true;
        touchedNodes.add(to);
      }
    });
    outbox.request();
  }

  /**
   * Ends the turn for the other nodes: each gets its lines in one message, and its
   * acknowledgements. A batch whose write failed at once is lost: its senders are told so now.
   */
  void flush() {
    for (NodeOutbox to : touchedNodes) {
      to.touched = false;
      if (!to.isEmpty() && !bus.send(to.inbox, to.take(node))) {
        settle(to.failedLast());
      }
    }
    touchedNodes.clear();
    sendAcks();
  }

  /**
   * Acknowledges every batch that came since the last acknowledgements; before this node answers
   * a check too, over the same link, so that the checker learns which of its batches never came
   * ({@link #checking}).
   */
  void sendAcks() {
    for (Received from : acks) {
      bus.send(BusAddresses.node(from.node), new Event.Ack(node, from.last(), from.missedFrom(), from.missedTo()));
      from.acknowledged();
    }
    acks.clear();
  }

  /** A batch from another node: its lines go to their recipients here, and it is acknowledged at the end of the turn. */
  void arrived(Event.Forward forward) {
    for (Event.Forwarded message : forward.messages()) {
      deliverHere(message.recipients(), message.line());
    }
    Received from = received.computeIfAbsent(forward.node(), Received::new);
    from.arrived(forward.batch());
    if (!from.due) {
      from.due = true;
      acks.add(from);
    }
    outbox.request();
  }

  private void deliverHere(List<String> names, Buffer line) {
    for (String name : names) {
      Recipient recipient = users.user(name);
      // One who left since is not told about it; the sender's node learns it from the directory.
      if (recipient != null) {
        outbox.deliver(recipient, line);
      }
    }
  }

  /** Another node acknowledged batches of this one's. */
  void acked(Event.Ack ack) {
    NodeOutbox from = nodes.get(ack.node());
    if (from != null) {
      settle(from.acked(ack.batch(), ack.missedFrom(), ack.missedTo()));
    }
  }

  /**
   * A check leaves for {@code there}: once it answers, every batch sent to it before, and not
   * acknowledged, never came, for a node acknowledges what it got before it answers a check,
   * over the same link ({@link #sendAcks}). So a batch lost with a link that broke is found even
   * when none follows it.
   */
  Runnable checking(String there) {
    NodeOutbox to = nodes.get(there);
    if (to == null || !to.waiting()) {
      return () -> { };
    }
    long sent = to.lastBatch();
    return () -> {
      if (nodes.get(there) == to) {
        settle(to.acked(sent, 1, sent));
      }
    };
  }

  /** Whether batches sent to some node wait for its acknowledgement. */
  boolean waiting() {
    return nodes.values().stream().anyMatch(NodeOutbox::waiting);
  }

  /** Adds to {@code wanted} the nodes whose acknowledgement batches wait for. */
  void waitedOn(Set<String> wanted) {
    nodes.values().stream().filter(NodeOutbox::waiting).forEach(to -> wanted.add(to.node));
  }

  /**
   * {@code gone} left the cluster: what was in flight to it is lost, its senders get their credit
   * back and are told whom their lines may not have reached.
   */
  void gone(String gone) {
    received.remove(gone);
    NodeOutbox to = nodes.remove(gone);
    if (to != null) {
      mayNotHaveReached(to.unacknowledged(), "their node left the cluster");
      to.lost().forEach(this::credit);
      touchedNodes.remove(to);
      settled.run();
    }
  }

  /** Senders get their credits back, and those whose lines never came to their node are told. */
  private void settle(NodeOutbox.Acked acked) {
    mayNotHaveReached(acked.missed(), "the link to their node failed");
    acked.credits().forEach(this::credit);
    settled.run();
  }

  private void credit(NodeOutbox.Credit credit) {
    outbox.routed(credit.from, credit.bytes);
  }

  /**
   * Tells the senders of {@code messages}, which another node did not acknowledge, whom they may
   * not have reached, and {@code why}: a node that is gone may have delivered them before it
   * went, or not; a batch its node never got was not delivered.
   */
  private void mayNotHaveReached(List<Event.Message> messages, String why) {
    for (Event.Message message : messages) {
      Buffer line = Buffer.buffer(Replies.error("may not have reached " + String.join(", ", message.recipients())
        + ": " + why));
      users.answer(message.from(), message.login(), line);
    }
  }
}
