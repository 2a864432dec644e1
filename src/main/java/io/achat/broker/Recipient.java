package io.achat.broker;

import io.vertx.core.buffer.Buffer;

/**
 * A logged-in user as the broker sees it: where it is connected, and the lines routed to it in
 * the broker's current turn. Owned by the broker alone.
 *
 * <p>A turn's lines are written together at its end, so a user who is sent twenty lines at once
 * costs one write, not twenty. A single line is the very buffer the sender encoded, shared with
 * the other recipients; a second one starts a buffer of this user's own.
 */
final class Recipient {

  final PeerId id;
  final LoopOutbox loop;
  private Buffer lines;
  private boolean own;

  Recipient(PeerId id, LoopOutbox loop) {
    this.id = id;
    this.loop = loop;
  }

  /** Adds {@code line} to this turn's; returns whether it is the turn's first. */
  boolean add(Buffer line) {
    if (lines == null) {
      lines = line;
      own = false;
      return true;
    }
    if (!own) {
      lines = Buffer.buffer(Math.max(256, 2 * (lines.length() + line.length()))).appendBuffer(lines);
      own = true;
    }
    lines.appendBuffer(line);
    return false;
  }

  /** Hands this turn's lines to the user's accept loop. */
  void flush() {
    if (lines != null) {
      loop.add(new Delivery.Lines(id.connection(), lines));
      lines = null;
    }
  }
}
