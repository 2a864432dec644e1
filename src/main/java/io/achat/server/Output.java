package io.achat.server;

import io.achat.ops.ChatMetrics;
import io.vertx.core.buffer.Buffer;

import java.util.function.LongConsumer;

/**
 * What one connection has written to its socket that has not left yet, and whether it moves:
 * where an idle timer lets go of stalled clients ({@link Stalls#CLOCK}), the loop's heartbeat
 * asks it every {@link #HEARTBEATS_PER_STALL}th of stallTimeoutMillis whether to write nothing to
 * the socket, which tells the socket's idle timer that its output moves. It says so when the
 * output has not moved for two thirds of the timeout, so the timer, which closes after
 * stallTimeoutMillis, keeps a third in hand for a late heartbeat. A write that completed since
 * the last heartbeat counts as one heartbeat old, the earliest it can have been; an idle
 * connection is written nothing every two thirds of the timeout. One whose queued bytes do not
 * move is written nothing, so the timer closes it once it has taken nothing for the stall
 * timeout: that is how a client that does not read is let go. A {@code late} heartbeat, after
 * the process was stopped, keeps every connection with nothing queued at once, before the
 * overdue idle timers run.
 */
final class Output {

  /** Heartbeats in each stallTimeoutMillis where an idle timer lets go of stalled clients. */
  static final int HEARTBEATS_PER_STALL = 6;

  private final Link link;
  private final ChatMetrics metrics;
  /** Counts bytes against the client's memory (negative: no longer). */
  private final LongConsumer hold;
  /** Bytes written to the socket that have not left for the network yet. */
  private long queued;
  /** Whether a write to the socket completed since the last heartbeat. */
  private boolean wrote;
  /** Heartbeats since the socket's output last surely moved. */
  private int quiet;
  /** The bytes queued when the output was last found not to move; 0 while it moves. */
  private long stuck;

  Output(Link link, ChatMetrics metrics, LongConsumer hold) {
    this.link = link;
    this.metrics = metrics;
    this.hold = hold;
  }

  long queued() {
    return queued;
  }

  /** What was queued when the socket was found stuck, by the heartbeat or the kernel; 0 if never. */
  long stuck() {
    return stuck;
  }

  /** Writes {@code lines} to the socket, counted until they have left; returns what is queued now. */
  long write(Buffer lines) {
    int n = lines.length();
    queued += n;
    hold.accept(n);
    metrics.queued(n);
    link.write(lines).onComplete(ar -> {
      if (ar.failed()) {
        failed(ar.cause());
      }
      queued -= n;
      wrote = true;
      hold.accept(-n);
      metrics.queued(-n);
    });
    return queued;
  }

  /** The socket failed with {@code e}: when the kernel let it go for taking nothing, what was queued is stuck. */
  void failed(Throwable e) {
    if (queued > 0 && stuck == 0 && timedOut(e)) {
      stuck = queued; // the kernel's TCP_USER_TIMEOUT ran out (Stalls.KERNEL); what is queued behind fails too
    }
  }

  /** A heartbeat: writes nothing to the socket when its idle timer must be shown that the output moves. */
  void heartbeat(boolean late) {
    stuck = wrote ? 0 : queued;
    if (queued == 0 && (late || !wrote && ++quiet >= HEARTBEATS_PER_STALL * 2 / 3)) {
      link.keepAlive();
      quiet = 0;
    } else if (wrote) {
      quiet = 1;
    }
    wrote = false;
  }

  /** Whether the socket failed because the kernel's TCP_USER_TIMEOUT ran out (ETIMEDOUT). */
  private static boolean timedOut(Throwable e) {
    return e != null && String.valueOf(e.getMessage()).contains("timed out");
  }
}
