package io.achat.broker;

import io.achat.config.BusAddresses;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * What this node's broker has for another node's: the messages of the current turn for users
 * there (sent as one {@link Event.Forward} at its end), and the batches sent but not yet
 * acknowledged, with the flow-control credits their senders get back once they are.
 */
final class NodeOutbox {

  /** A sender's bytes, given back to it once every node its message went to has routed it. */
  static final class Credit {
    final PeerId from;
    final int bytes;
    int nodes;

    Credit(PeerId from, int bytes, int nodes) {
      this.from = from;
      this.bytes = bytes;
      this.nodes = nodes;
    }
  }

  private record Batch(long number, List<Credit> credits, List<Event.Message> messages) {
  }

  final String node;
  final String inbox;
  /** Whether the broker has this outbox in its list for the end of the turn. */
  boolean touched;
  private List<Event.Message> messages = new ArrayList<>();
  private List<Credit> credits = new ArrayList<>();
  private final ArrayDeque<Batch> unacked = new ArrayDeque<>();
  private long lastBatch;

  NodeOutbox(String node) {
    this.node = node;
    this.inbox = BusAddresses.node(node);
  }

  void add(Event.Message message, Credit credit) {
    messages.add(message);
    credits.add(credit);
  }

  boolean isEmpty() {
    return messages.isEmpty();
  }

  /** The number of the last batch taken; 0 before the first. */
  long lastBatch() {
    return lastBatch;
  }

  /** Whether batches sent to the node wait for its acknowledgement. */
  boolean waiting() {
    return !unacked.isEmpty();
  }

  /** Empties the turn's messages into the next batch, remembered until acknowledged. */
  Event.Forward take(String from) {
    Event.Forwarded[] lines = new Event.Forwarded[messages.size()];
    for (int i = 0; i < lines.length; i++) {
      Event.Message message = messages.get(i);
      lines[i] = new Event.Forwarded(message.recipients(), message.line());
    }
    Event.Forward batch = new Event.Forward(from, ++lastBatch, List.of(lines));
    unacked.add(new Batch(lastBatch, credits, messages));
    messages = new ArrayList<>();
    credits = new ArrayList<>();
    return batch;
  }

  /** What an acknowledgement settles: the credits whose last node this was, and the messages of batches that never came. */
  record Acked(List<Credit> credits, List<Event.Message> missed) {
  }

  /**
   * The node routed every batch up to {@code number} except those from {@code missedFrom} to
   * {@code missedTo} (0 and 0: none), which never came to it.
   */
  Acked acked(long number, long missedFrom, long missedTo) {
    List<Credit> done = new ArrayList<>();
    List<Event.Message> missed = new ArrayList<>(0);
    while (!unacked.isEmpty() && unacked.peek().number() <= number) {
      Batch batch = unacked.poll();
      if (batch.number() >= missedFrom && batch.number() <= missedTo) {
        missed.addAll(batch.messages());
      }
      settle(batch, done);
    }
    return new Acked(done, missed);
  }

  /** The batch taken last could not be written to the node: it is settled as one that never came. */
  Acked failedLast() {
    Batch batch = unacked.pollLast();
    if (batch == null) {
      return new Acked(List.of(), List.of());
    }
    List<Credit> done = new ArrayList<>();
    settle(batch, done);
    return new Acked(done, batch.messages());
  }

  private static void settle(Batch batch, List<Credit> done) {
    for (Credit credit : batch.credits()) {
      if (--credit.nodes == 0) {
        done.add(credit);
      }
    }
  }

  /** The messages for the node that it has not acknowledged: sent or not, they may not have reached their recipients. */
  List<Event.Message> unacknowledged() {
    List<Event.Message> all = new ArrayList<>();
    unacked.forEach(batch -> all.addAll(batch.messages()));
    all.addAll(messages);
    return all;
  }

  /** The node is gone: what was sent to it is lost, and its senders get their credits back. */
  List<Credit> lost() {
    List<Credit> all = new ArrayList<>(credits);
    unacked.forEach(batch -> all.addAll(batch.credits()));
    unacked.clear();
    messages = new ArrayList<>();
    credits = new ArrayList<>();
    List<Credit> done = new ArrayList<>();
    for (Credit credit : all) {
      if (--credit.nodes == 0) {
        done.add(credit);
      }
    }
    return done;
  }
}
