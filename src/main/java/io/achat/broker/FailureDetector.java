package io.achat.broker;

import io.achat.config.BusAddresses;
import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Tells the broker when another node is gone: it reads the cluster manager's member list, where
 * it has one ({@link io.achat.cluster.ClusterMembers}), each time the list changes and every
 * 200 ms, and every 200 ms asks the broker of each node this one depends on whether it is
 * there. A node missing from the member list is gone at once: the event bus forgets a dead node's addresses only once Hazelcast has repaired its
 * partitions, seconds later when the node died while the cluster rebalanced. "No handlers" means
 * the node left or the cluster manager dropped it. A node gone for less than {@link #BACK_MILLIS}
 * is still asked once the member list has it again, and when it answers the broker is told it is
 * back: a hang or a partition ended and the cluster manager merged the two sides again. Runs on
 * the broker's context.
 */
final class FailureDetector {

  private static final long CHECK_MILLIS = 200;
  /**
   * How many checks may wait on one node: a check sent to a node that died but is not yet
   * dropped waits for its timeout, and must not hold back the check that sees it dropped.
   */
  private static final int MAX_CHECKS = 8;
  private static final DeliveryOptions CHECK = new DeliveryOptions().setSendTimeout(1000);
  /** How long a gone node is still asked whether it is back: a hang or a partition that lasts longer ends for good. */
  private static final long BACK_MILLIS = TimeUnit.MINUTES.toMillis(10);
  /** Gone nodes asked whether they are back: at most this many, the most recent. */
  private static final int MAX_GONE = 64;

  private final Vertx vertx;
  private final ClusterBus bus;
  /** Which nodes the cluster manager's member list no longer has, as it says at the moment. */
  private final Supplier<Predicate<String>> left;
  private final Map<String, Integer> checks = new HashMap<>();
  /** The nodes gone lately, in the order they went, with when (System.nanoTime). */
  private final LinkedHashMap<String, Long> gone = new LinkedHashMap<>();
  private long timer = -1;
  private Supplier<Set<String>> watched;
  private BiConsumer<String, String> goneNode;

  FailureDetector(Vertx vertx, ClusterBus bus, Supplier<Predicate<String>> left) {
    this.vertx = vertx;
    this.bus = bus;
    this.left = left;
  }

  /**
   * Checks the nodes {@code watched} gives, each turn anew, and tells {@code goneNode} of each
   * that is gone, and how that showed; runs what {@code checking} gives for a node as its check
   * leaves once the node answers it; asks those gone lately whether they are back, and tells
   * {@code backNode} of each that is.
   */
  void start(Supplier<Set<String>> watched, BiConsumer<String, String> goneNode, Function<String, Runnable> checking,
             Consumer<String> backNode) {
    this.watched = watched;
    this.goneNode = goneNode;
    timer = vertx.setPeriodic(CHECK_MILLIS, t -> {
      Predicate<String> notMember = left.get();
      for (String there : watched.get()) {
        if (dropped(there, notMember)) {
          continue;
        }
        Runnable answered = checking.apply(there);
        check(there, ar -> {
          if (isGone(ar)) {
            goneNode.accept(there, "its broker's address has no handler");
          } else if (ar.succeeded()) {
            answered.run();
          }
        });
      }
      long now = System.nanoTime();
      gone.values().removeIf(since -> now - since > TimeUnit.MILLISECONDS.toNanos(BACK_MILLIS));
      for (String there : List.copyOf(gone.keySet())) {
        if (notMember.test(there)) {
          continue; // not back before it is a member again
        }
        check(there, ar -> {
          if (ar.succeeded() && gone.remove(there) != null) {
            backNode.accept(there);
          }
        });
      }
    });
  }

  /**
   * The member list changed (a member joined or was dropped): the nodes it no longer has are
   * gone now, not at the next check.
   */
  void membersChanged() {
    if (watched != null) {
      Predicate<String> notMember = left.get();
      watched.get().forEach(there -> dropped(there, notMember));
    }
  }

  /** Whether {@code there} is not in the member list, as {@code notMember} says; then it is gone. */
  private boolean dropped(String there, Predicate<String> notMember) {
    if (!notMember.test(there)) {
      return false;
    }
    // Dropped from the member list: gone, whatever its event-bus address still says.
    goneNode.accept(there, "the cluster's member list no longer has it");
    return true;
  }

  /** {@code node} is gone: it is asked whether it is back for a while. */
  void gone(String node) {
    gone.put(node, System.nanoTime());
    if (gone.size() > MAX_GONE) {
      gone.remove(gone.keySet().iterator().next());
    }
  }

  private static boolean isGone(AsyncResult<?> ar) {
    return ar.failed() && ar.cause() instanceof ReplyException e && e.failureType() == ReplyFailure.NO_HANDLERS;
  }

  private void check(String there, Handler<AsyncResult<Message<Object>>> then) {
    if (checks.getOrDefault(there, 0) >= MAX_CHECKS) {
      return;
    }
    checks.merge(there, 1, Integer::sum);
    bus.request(BusAddresses.node(there), null, CHECK).onComplete(ar -> {
      checks.computeIfPresent(there, (n, count) -> count > 1 ? count - 1 : null);
      then.handle(ar);
    });
  }

  void stop() {
    vertx.cancelTimer(timer);
  }
}
