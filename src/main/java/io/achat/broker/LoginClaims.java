package io.achat.broker;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.shareddata.AsyncMap;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Who holds each login across the cluster: the cluster-wide map login → node, written with
 * atomic operations so that two nodes can never both hold a login. The operations of this node
 * on one login run one after the other (a release, then a new claim), as the map gives no order
 * between them. Used on the broker's context only.
 */
final class LoginClaims {

  static final String MAP = "a-chat.logins";

  /**
   * Logins freed or checked at once when a node goes or comes back; the rest wait, so that the
   * claims of users logging in are not queued behind them.
   */
  static final int AT_ONCE = 16;

  private final AsyncMap<String, String> map;
  private final String node;
  private final Predicate<String> gone;
  private final Map<String, Future<?>> last = new HashMap<>();
  private final Runnable onIdle;
  /** Completes once the place of a login in the map has an owner that is a member again. */
  private final Function<String, Future<Void>> repaired;

  /**
   * {@code onIdle} runs each time the last operation under way completes; the writes that take a
   * gone node's login wait for what {@code repaired} gives for it.
   */
  LoginClaims(AsyncMap<String, String> map, String node, Predicate<String> gone, Runnable onIdle,
              Function<String, Future<Void>> repaired) {
    this.map = map;
    this.node = node;
    this.gone = gone;
    this.onIdle = onIdle;
    this.repaired = repaired;
  }

  /**
   * Claims {@code login} for this node; completes with the node holding it, this one if the
   * claim won. A login still held by a node that is gone is taken over from it.
   */
  Future<String> claim(String login) {
    return inOrder(login, () -> map.putIfAbsent(login, node).compose(holder -> {
      if (holder == null) {
        return Future.succeededFuture(node);
      }
      return gone.test(holder) ? takeFrom(login, holder) : Future.succeededFuture(holder);
    }));
  }

  /**
   * Writes that this node holds {@code login}, which {@code from}, a node that is gone, held:
   * the deputy let this node take it before the map could say so ({@link Handover}). Completes
   * with the node the map names then, this one unless another took it first.
   */
  Future<String> takeOver(String login, String from) {
    return inOrder(login, () -> takeFrom(login, from));
  }

  private Future<String> takeFrom(String login, String from) {
    // A write that takes the login from a node just dropped waits until Hazelcast has given its place an owner.
    return repaired.apply(login)
      .compose(v -> map.replaceIfPresent(login, from, node))
      .compose(replaced -> replaced
        ? Future.succeededFuture(node)
        : map.putIfAbsent(login, node).map(now -> now == null ? node : now));
  }

  /** Gives {@code login} back, if this node holds it. */
  Future<Boolean> release(String login) {
    return inOrder(login, () -> map.removeIfPresent(login, node));
  }

  /**
   * Frees each of {@code logins} that {@code holder}, a node that is gone, still holds, a few
   * at a time (the map's operations share the worker pool with the claims).
   */
  Future<Void> freeAll(Collection<String> logins, String holder) {
    return fewAtATime(logins, login -> repaired.apply(login).compose(v -> map.removeIfPresent(login, holder)));
  }

  /**
   * Claims each of {@code logins} again, a few at a time, and hands each outcome (the node
   * holding it, this one if the claim won) to {@code then}: after a split heals, the merged
   * map names one holder of each login.
   */
  Future<Void> claimAll(Collection<String> logins, BiConsumer<String, AsyncResult<String>> then) {
    return fewAtATime(logins, login -> claim(login).andThen(ar -> then.accept(login, ar)));
  }

  /** Runs {@code operation} on each item, at most {@link #AT_ONCE} under way at a time. */
  private static <T> Future<Void> fewAtATime(Collection<T> items, Function<T, Future<?>> operation) {
    Iterator<T> next = new ArrayList<>(items).iterator();
    Promise<Void> done = Promise.promise();
    int[] running = {0};
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      while (running[0] < AT_ONCE && next.hasNext()) {
        running[0]++;
        operation.apply(next.next()).onComplete(ar -> {
          running[0]--;
          pump[0].run();
        });
      }
      if (running[0] == 0 && !next.hasNext()) {
        done.tryComplete();
      }
    };
    pump[0].run();
    return done.future();
  }

  /** Every login and the node holding it. */
  Future<Map<String, String>> all() {
    return map.entries();
  }

  /** Frees every login that {@code gone} still holds in the map; completes with how many it held. */
  Future<Integer> releaseAll(String gone) {
    return map.entries().compose(entries -> {
      List<String> held = new ArrayList<>();
      entries.forEach((login, holder) -> {
        if (gone.equals(holder)) {
          held.add(login);
        }
      });
      return freeAll(held, gone).map(v -> held.size());
    });
  }

  /** Whether no operation of this node is under way. */
  boolean idle() {
    return last.isEmpty();
  }

  private <T> Future<T> inOrder(String login, Supplier<Future<T>> operation) {
    Future<?> before = last.get(login);
    Future<T> after = before == null ? operation.get() : before.transform(ar -> operation.get());
    last.put(login, after);
    after.onComplete(ar -> {
      if (last.remove(login, after) && last.isEmpty()) {
        onIdle.run();
      }
    });
    return after;
  }
}
