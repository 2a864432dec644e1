package io.achat.broker;

/**
 * The batches one other node's broker sent this one ({@link Event.Forward}, numbered from 1 per
 * destination): the last that came, and those that never will since the last acknowledgement.
 * Batches to one node travel one link in order, so one that comes after a gap tells that the
 * gap's were lost with a link that broke; the acknowledgement names them, and their senders are
 * told their lines did not reach.
 */
final class Received {

  final String node;
  /** Whether a batch came this turn: the broker acknowledges it at the end of the turn. */
  boolean due;
  private long last;
  private long missedFrom;
  private long missedTo;

  /**
   * Batch {@code number} came. Batch 1 starts anew (the sender's outbox for this node is new,
   * after one of the two nodes was taken for gone); a number at or under the last is a late one
   * from a link that closed, already counted among the missed.
   */
  void arrived(long number) {
    if (number == 1) {
      last = 1;
      return;
    }
    if (number <= last) {
      return;
    }
    if (number > last + 1) {
      missedFrom = missedFrom == 0 ? last + 1 : Math.min(missedFrom, last + 1);
      missedTo = number - 1;
    }
    last = number;
  }

  Received(String node) {
    this.node = node;
  }

  /** The last batch that came, the one to acknowledge. */
  long last() {
    return last;
  }

  /** The first batch missed since the last acknowledgement; 0: none. */
  long missedFrom() {
    return missedFrom;
  }

  /** The last batch missed since the last acknowledgement; 0: none. */
  long missedTo() {
    return missedTo;
  }

  /** The batches that came, and those missed, were named in an acknowledgement. */
  void acknowledged() {
    due = false;
    missedFrom = 0;
    missedTo = 0;
  }
}
