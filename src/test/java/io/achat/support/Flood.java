package io.achat.support;

import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/** A client that writes as fast as the server lets it, in the background. */
public final class Flood {

  private Flood() {
  }

  /**
   * Writes {@code unit} again and again until {@code total} bytes, the deadline, or the server
   * cuts it off; completes with the bytes sent.
   */
  public static CompletableFuture<Long> send(LineClient client, byte[] unit, long total, long deadline) {
    return send(client, unit, total, deadline, new CountDownLatch(1));
  }

  /** Like {@link #send(LineClient, byte[], long, long)}; counts {@code underWay} down once 4 MiB are sent or it ended. */
  public static CompletableFuture<Long> send(LineClient client, byte[] unit, long total, long deadline,
                                             CountDownLatch underWay) {
    return Background.supply(() -> {
      long sent = 0;
      try {
        while (sent < total && System.nanoTime() < deadline) {
          client.sendRaw(unit);
          sent += unit.length;
          if (sent >= 4 << 20) {
            underWay.countDown();
          }
        }
      } catch (UncheckedIOException cutOff) {
        // the server closed the connection
      } finally {
        underWay.countDown();
      }
      return sent;
    });
  }
}
