package io.achat.broker;

import io.achat.config.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Tells the broker when another node is gone: every 200 ms it asks the broker of each node this
 * one depends on whether it is there. "No handlers" means the node left or the cluster manager
 * dropped it. Runs on the broker's context.
 */
final class FailureDetector {

  private static final long CHECK_MILLIS = 200;
  /**
   * How many checks may wait on one node: a check sent to a node that died but is not yet
   * dropped waits for its timeout, and must not hold back the check that sees it dropped.
   */
  private static final int MAX_CHECKS = 8;
  private static final DeliveryOptions CHECK = new DeliveryOptions().setSendTimeout(1000);

  private final Vertx vertx;
  private final Map<String, Integer> checks = new HashMap<>();
  private long timer = -1;

  FailureDetector(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Checks the nodes {@code watched} gives, each turn anew, and tells {@code gone} of each that is gone. */
  void start(Supplier<Set<String>> watched, Consumer<String> gone) {
    timer = vertx.setPeriodic(CHECK_MILLIS, t -> {
      for (String there : watched.get()) {
        check(there, gone);
      }
    });
  }

  private void check(String there, Consumer<String> gone) {
    if (checks.getOrDefault(there, 0) >= MAX_CHECKS) {
      return;
    }
    checks.merge(there, 1, Integer::sum);
    vertx.eventBus().request(Addresses.node(there), null, CHECK).onComplete(ar -> {
      checks.computeIfPresent(there, (n, count) -> count > 1 ? count - 1 : null);
      if (ar.failed() && ar.cause() instanceof ReplyException e && e.failureType() == ReplyFailure.NO_HANDLERS) {
        gone.accept(there);
      }
    });
  }

  void stop() {
    vertx.cancelTimer(timer);
  }
}
