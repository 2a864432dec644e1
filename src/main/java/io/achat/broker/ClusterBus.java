package io.achat.broker;

import io.achat.ops.RateLimitedLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event bus as the broker uses it towards other nodes. Vert.x 5.0's clustered event bus
 * throws {@code IllegalStateException: Promise already completed} out of {@code send},
 * {@code publish} and {@code request} when the write to another node's link fails on the spot,
 * as it does while a link that has just broken is not yet known to be closed (its delivery
 * context reports a failed write as a completion that was already made). The event is then
 * as lost as the write: each call here says whether it failed so, and logs it, at most 10 lines
 * in 10 s. Thrown out of the broker's end of turn, it would leave the rest of the turn unsent:
 * the lines for other nodes and for this node's own users. Runs on the broker's context. The
 * same failure of writes Vert.x had queued while it connected to a node comes out of Vert.x
 * itself, to the Vert.x instance's exception handler ({@link #isFailedLinkWrite}).
 */
public final class ClusterBus {

  private static final Logger log = LoggerFactory.getLogger(ClusterBus.class);
  /**
   * The class of Vert.x 5.0's clustered event bus that writes to another node's link, by its
   * simple name: only to recognise the failure by a frame of its stack trace; nothing of it is used.
   */
  private static final String LINK_WRITER = ".OutboundConnection";

  private final EventBus bus;
  private final RateLimitedLog failures = new RateLimitedLog(log, "failed writes to other nodes", 10, 10_000, true);

  ClusterBus(Vertx vertx) {
    this.bus = vertx.eventBus();
  }

  /** Sends {@code event}; false when the write to the node's link failed at once. */
  boolean send(String inbox, Event event) {
    return attempt(inbox, () -> bus.send(inbox, event));
  }

  /** Publishes {@code event} to every node; false when a write to some node's link failed at once. */
  boolean publish(String inbox, Event event) {
    return attempt(inbox, () -> bus.publish(inbox, event));
  }

  private boolean attempt(String inbox, Runnable write) {
    try {
      write.run();
      return true;
    } catch (IllegalStateException e) {
      failed(inbox, e);
      return false;
    }
  }

  /** Asks {@code inbox}; fails at once when the write to the node's link failed at once. */
  <T> Future<Message<T>> request(String inbox, Event event, DeliveryOptions options) {
    try {
      return bus.request(inbox, event, options);
    } catch (IllegalStateException e) {
      failed(inbox, e);
      return Future.failedFuture(e);
    }
  }

  /** Sums up, now and then, the failures it held back. */
  void tick() {
    failures.tick();
  }

  /**
   * Whether {@code e} is how Vert.x 5.0's clustered event bus reports a write to another node's
   * link that failed: {@code IllegalStateException: Promise already completed}, thrown where it
   * writes to the link. Any other exception is not, and goes on as it came.
   */
  public static boolean isFailedLinkWrite(Throwable e) {
    if (!(e instanceof IllegalStateException) || !"Promise already completed".equals(e.getMessage())) {
      return false;
    }
    for (StackTraceElement frame : e.getStackTrace()) {
      if (frame.getClassName().startsWith("io.vertx.core.eventbus.") && frame.getClassName().endsWith(LINK_WRITER)) {
        return true;
      }
    }
    return false;
  }

  private void failed(String inbox, IllegalStateException e) {
    if (!isFailedLinkWrite(e)) {
      throw e;
    }
    failures.warn(log, "writing to another node ({}) failed: {}", inbox, e.toString());
  }
}
