package io.achat.server;

import io.vertx.core.Vertx;

/**
 * How much of one client's lines goes to the broker before its loop looks at its other sockets
 * again. Netty runs the tasks of a turn (the broker's events, the credit it gives back, the
 * reading that then resumes) until none is left, for up to a second, and only then reads its
 * sockets again; a client whose lines keep coming from what Vert.x had already read would keep
 * it there, and every other socket of the loop would wait: other clients, and in a cluster the
 * other nodes.
 *
 * <p>So once a client has handed over half of {@link #BYTES}, a 1 ms timer is set: Netty runs a
 * timer only among the tasks after its next look at the sockets, so when it fires the loop has
 * looked, and the count starts again. A client that reaches {@link #BYTES} before that stops
 * reading until it fires. A client that sends less than half of it a millisecond (8 MB/s: a
 * chat's users, the benchmark's clients) never waits. Touched on the loop's context.
 */
final class TurnShare {

  /** Bytes of lines one client may hand the broker between two looks of its loop at the sockets. */
  static final int BYTES = 32 * 1024;

  private final Vertx vertx;
  private final Runnable turned;
  /** Bytes handed over since the loop last showed it had looked at the sockets. */
  private int used;
  /** A timer is set to show the next look. */
  private boolean watching;
  private boolean spent;

  /** {@code turned} runs when the share is spent and when it is whole again. */
  TurnShare(Vertx vertx, Runnable turned) {
    this.vertx = vertx;
    this.turned = turned;
  }

  /** Whether the client must wait for the loop's next look at the sockets before more is read. */
  boolean spent() {
    return spent;
  }

  /** {@code bytes} more went to the broker; true when that spent the share. */
  boolean sent(int bytes) {
    used += bytes;
    if (!watching && used >= BYTES / 2) {
      watching = true;
      vertx.setTimer(1, id -> looked());
    }
    if (!spent && used >= BYTES) {
      spent = true;
      return true;
    }
    return false;
  }

  /** The loop has looked at its sockets since the timer was set. */
  private void looked() {
    watching = false;
    used = 0;
    if (spent) {
      spent = false;
      turned.run();
    }
  }
}
