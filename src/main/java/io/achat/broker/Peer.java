package io.achat.broker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A logged-in user as the broker sees it: the socket, the lines routed to it in the broker's
 * current turn, and how many bytes for it have not yet left for the network.
 *
 * <p>Lines are collected during a turn and written together at its end, so a user who is sent
 * twenty lines at once costs one write, not twenty. The bytes are counted here rather than read
 * off the socket's own queue, which lives on another thread; each write's completion, on the
 * socket's event loop, takes its bytes off again.
 */
final class Peer {

  private final Channel socket;
  private final AtomicLong queued = new AtomicLong();
  /** The turn's only line so far, shared with its other recipients; or {@code null}. */
  private byte[] single;
  /** The turn's lines once there is more than one; or {@code null}. */
  private ByteBuf lines;

  Peer(Channel socket) {
    this.socket = socket;
  }

  Channel socket() {
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
  boolean add(byte[] line) {
    queued.addAndGet(line.length);
    if (single == null && lines == null) {
      single = line;
      return true;
    }
    if (lines == null) {
      lines = socket.alloc().ioBuffer(Math.max(512, 4 * (single.length + line.length)));
      lines.writeBytes(single);
      single = null;
    }
    lines.writeBytes(line);
    return false;
  }

  /** Writes what the turn collected. */
  void flush() {
    ByteBuf out = lines != null ? lines : single != null ? Unpooled.wrappedBuffer(single) : null;
    if (out == null) {
      return;
    }
    single = null;
    lines = null;
    int n = out.readableBytes();
    socket.writeAndFlush(out).addListener(f -> queued.addAndGet(-n));
  }

  /** The user is being cut off: what was collected for it is dropped. */
  void discard() {
    if (lines != null) {
      queued.addAndGet(-lines.readableBytes());
      lines.release();
      lines = null;
    } else if (single != null) {
      queued.addAndGet(-single.length);
      single = null;
    }
  }
}
