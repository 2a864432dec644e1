package io.achat.broker;

import io.vertx.core.Future;
import io.vertx.core.shareddata.AsyncMap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Who holds each login across the cluster: the cluster-wide map login → node, written with
 * atomic operations so that two nodes can never both hold a login. The operations of this node
 * on one login run one after the other (a release, then a new claim), as the map gives no order
 * between them. Used on the broker's context only.
 */
final class LoginClaims {

  static final String MAP = "a-chat.logins";

  private final AsyncMap<String, String> map;
  private final String node;
  private final Map<String, Future<?>> last = new HashMap<>();

  LoginClaims(AsyncMap<String, String> map, String node) {
    this.map = map;
    this.node = node;
  }

  /** Claims {@code login} for this node; completes with the node holding it, this one if the claim won. */
  Future<String> claim(String login) {
    return inOrder(login, () -> map.putIfAbsent(login, node).map(holder -> holder == null ? node : holder));
  }

  /** Gives {@code login} back, if this node holds it. */
  Future<Boolean> release(String login) {
    return inOrder(login, () -> map.removeIfPresent(login, node));
  }

  /** Frees {@code login} if {@code gone} holds it; a claim made here after this waits for it. */
  Future<Boolean> free(String login, String gone) {
    return inOrder(login, () -> map.removeIfPresent(login, gone));
  }

  /** Every login and the node holding it. */
  Future<Map<String, String>> all() {
    return map.entries();
  }

  /** Frees every login that {@code gone} held; completes with how many. */
  Future<Integer> releaseAll(String gone) {
    return map.entries().compose(entries -> {
      List<Future<Boolean>> removals = new ArrayList<>();
      entries.forEach((login, holder) -> {
        if (gone.equals(holder)) {
          removals.add(map.removeIfPresent(login, gone));
        }
      });
      return Future.join(removals).map(v -> removals.size());
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
    after.onComplete(ar -> last.remove(login, after));
    return after;
  }
}
