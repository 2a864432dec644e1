package io.achat.broker;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A logged-in user as the broker sees it: the socket, the lines routed to it in the broker's
 * current turn, and how many bytes for it have not yet left for the network.
 *
 * <p>Lines are collected during a turn and written together at its end, so a user who is sent
 * twenty lines at once costs one write, not twenty. Vert.x's {@code writeQueueFull()} counts
 * queued writes, not bytes, and from the broker's thread it trips on any burst, so the bytes are
 * counted here; each write's completion, on the socket's event loop, takes its bytes off again.
 */
final class Peer {

  private final NetSocket socket;
  private final AtomicLong queued = new AtomicLong();
  private Buffer pending;
  private boolean copied;

  Peer(NetSocket socket) {
    this.socket = socket;
  }

  NetSocket socket() {
    return socket;
  }

  /** Bytes routed to this user and not yet handed to the kernel. */
  long queued() {
    return queued.get();
  }

  /**
   * Adds {@code line} to what this user is sent at the end of the turn.
   *
   * @return whether it is the first line of the turn, so the broker must remember to flush
   */
  boolean add(Buffer line) {
    queued.addAndGet(line.length());
    if (pending == null) {
      pending = line;
      return true;
    }
    if (!copied) {
      // The first line is shared with its other recipients: collect into a buffer of our own.
      pending = Buffer.buffer(Math.max(256, 4 * pending.length())).appendBuffer(pending);
      copied = true;
    }
    pending.appendBuffer(line);
    return false;
  }

  /** Writes what the turn collected. */
  void flush() {
    if (pending == null) {
      return;
    }
    int n = pending.length();
    Buffer lines = pending;
    pending = null;
    copied = false;
    socket.write(lines).onComplete(ar -> queued.addAndGet(-n));
  }

  /** The user is being cut off: what was collected for it is dropped. */
  void discard() {
    if (pending != null) {
      queued.addAndGet(-pending.length());
      pending = null;
      copied = false;
    }
  }
}
