package io.achat.broker;


import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes one connection has handed to the broker that the broker has not routed yet. Past the
 * limit the connection stops reading its socket, so a flooding sender is slowed down by TCP
 * instead of filling the broker's inbox; once the broker is back under half the limit, the
 * connection is told on its own thread to read again.
 */
public final class Backlog {

  private final AtomicLong bytes = new AtomicLong();
  private final long limit;
  private final Executor connectionThread;
  private final Runnable drained;

  public Backlog(long limit, Executor connectionThread, Runnable drained) {
    this.limit = limit;
    this.connectionThread = connectionThread;
    this.drained = drained;
  }

  /** Connection side: {@code n} more bytes are on their way to the broker. */
  public void add(int n) {
    bytes.addAndGet(n);
  }

  /** Whether the connection should stop reading. */
  public boolean full() {
    return bytes.get() > limit;
  }

  /** Broker side: {@code n} bytes have been routed. */
  public void routed(int n) {
    long after = bytes.addAndGet(-n);
    long resumeAt = limit / 2;
    if (after <= resumeAt && after + n > resumeAt) {
      connectionThread.execute(drained);
    }
  }
}
