package io.achat.broker;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When a node goes or comes back, its broker frees or checks every login concerned: against a
 * map whose operations take a while, no more than {@link LoginClaims#AT_ONCE} are under way at
 * a time, and each login is done once.
 */
@ExtendWith(VertxExtension.class)
class LoginClaimsTest {

  private static final int LOGINS = 100;

  private Vertx vertx;
  private Context context;
  private AsyncMap<String, String> map;
  private int running;
  private int peak;

  @BeforeEach
  void slowMap(Vertx vertx) {
    this.vertx = vertx;
    context = vertx.getOrCreateContext();
    AsyncMap<String, String> local = onContext(() -> vertx.sharedData().<String, String>getLocalAsyncMap("logins"));
    // Each operation completes a millisecond after the local map's answer, as a cluster's would later.
    @SuppressWarnings("unchecked")
    AsyncMap<String, String> slow = (AsyncMap<String, String>) Proxy.newProxyInstance(getClass().getClassLoader(),
      new Class<?>[]{AsyncMap.class}, (proxy, method, args) -> {
        running++;
        peak = Math.max(peak, running);
        Promise<Object> later = Promise.promise();
        ((Future<?>) method.invoke(local, args)).onComplete(ar -> vertx.setTimer(1, t -> {
          running--;
          later.handle(ar.map(v -> (Object) v));
        }));
        return later.future();
      });
    map = slow;
  }

  @Test
  void aHealedNodeChecksItsLoginsAFewAtATimeAndLearnsEachHolder() throws Exception {
    List<String> logins = IntStream.range(0, LOGINS).mapToObj(i -> "user" + i).toList();
    for (int i = 0; i < LOGINS; i += 2) { // the other side of the split won every other one
      String login = logins.get(i);
      onContext(() -> map.put(login, "other"));
    }
    peak = 0;
    LoginClaims claims = new LoginClaims(map, "this", node -> false, () -> { }, login -> Future.succeededFuture());
    Map<String, String> holders = new HashMap<>();
    onContext(() -> claims.claimAll(logins, (login, ar) -> {
      assertThat(holders.put(login, ar.result())).as("%s answered twice", login).isNull();
    }));
    assertThat(peak).isEqualTo(LoginClaims.AT_ONCE);
    assertThat(holders).hasSize(LOGINS);
    for (int i = 0; i < LOGINS; i++) {
      assertThat(holders.get(logins.get(i))).as(logins.get(i)).isEqualTo(i % 2 == 0 ? "other" : "this");
    }
    assertThat(claims.idle()).isTrue();
  }

  @Test
  void theLoginsOfAGoneNodeAreFreedAFewAtATime() throws Exception {
    List<String> logins = new ArrayList<>();
    for (int i = 0; i < LOGINS; i++) {
      String login = "user" + i;
      logins.add(login);
      onContext(() -> map.put(login, "gone"));
    }
    onContext(() -> map.put("kept", "other"));
    peak = 0;
    LoginClaims claims = new LoginClaims(map, "this", node -> node.equals("gone"), () -> { }, login -> Future.succeededFuture());
    assertThat(onContext(() -> claims.releaseAll("gone"))).isEqualTo(LOGINS);
    assertThat(peak).isEqualTo(LoginClaims.AT_ONCE);
    assertThat(onContext(() -> map.entries())).isEqualTo(Map.of("kept", "other"));
  }

  @Test
  void aGoneNodesLoginIsTakenAndFreedOnlyOnceItsPlaceInTheMapIsRepaired() {
    onContext(() -> map.put("alice", "gone"));
    onContext(() -> map.put("bob", "gone"));
    Promise<Void> repaired = Promise.promise();
    List<String> asked = new ArrayList<>();
    LoginClaims claims = new LoginClaims(map, "this", node -> node.equals("gone"), () -> { }, login -> {
      asked.add(login);
      return repaired.future();
    });
    Promise<String> claimed = Promise.promise();
    Promise<Void> freed = Promise.promise();
    context.runOnContext(v -> {
      claims.claim("alice").onComplete(claimed);
      claims.freeAll(List.of("bob"), "gone").onComplete(freed);
    });
    onContext(() -> vertx.timer(50, TimeUnit.MILLISECONDS)); // the map answers in 1 ms: both would be done
    assertThat(claimed.future().isComplete()).as("alice taken before her place is repaired").isFalse();
    assertThat(freed.future().isComplete()).as("bob freed before his place is repaired").isFalse();
    assertThat(onContext(() -> map.get("alice"))).isEqualTo("gone");
    context.runOnContext(v -> repaired.complete());
    assertThat(onContext(() -> claimed.future())).isEqualTo("this");
    onContext(() -> freed.future());
    assertThat(onContext(() -> map.get("bob"))).isNull();
    assertThat(asked).containsExactlyInAnyOrder("alice", "bob");
  }

  /** Runs {@code operation} on the test's context and waits at most 30 s for its outcome. */
  private <T> T onContext(Supplier<Future<T>> operation) {
    Promise<T> outcome = Promise.promise();
    context.runOnContext(v -> operation.get().onComplete(outcome));
    try {
      return outcome.future().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
