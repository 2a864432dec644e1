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
  private OnContext onContext;
  private AsyncMap<String, String> map;
  private int running;
  private int peak;

  @BeforeEach
  void slowMap(Vertx vertx) {
    this.vertx = vertx;
    context = vertx.getOrCreateContext();
    onContext = new OnContext(context);
    AsyncMap<String, String> local = onContext.run(() -> vertx.sharedData().<String, String>getLocalAsyncMap("logins"));
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
      onContext.run(() -> map.put(login, "other"));
    }
    peak = 0;
    LoginClaims claims = new LoginClaims(map, "this", node -> false, () -> { }, login -> Future.succeededFuture());
    Map<String, String> holders = new HashMap<>();
    onContext.run(() -> claims.claimAll(logins, (login, ar) -> {
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
      onContext.run(() -> map.put(login, "gone"));
    }
    onContext.run(() -> map.put("kept", "other"));
    peak = 0;
    LoginClaims claims = new LoginClaims(map, "this", node -> node.equals("gone"), () -> { }, login -> Future.succeededFuture());
    assertThat(onContext.run(() -> claims.releaseAll("gone"))).isEqualTo(LOGINS);
    assertThat(peak).isEqualTo(LoginClaims.AT_ONCE);
    assertThat(onContext.run(() -> map.entries())).isEqualTo(Map.of("kept", "other"));
  }

  @Test
  void aGoneNodesLoginIsTakenAndFreedOnlyOnceItsPlaceInTheMapIsRepaired() {
    onContext.run(() -> map.put("alice", "gone"));
    onContext.run(() -> map.put("bob", "gone"));
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
    onContext.run(() -> vertx.timer(50, TimeUnit.MILLISECONDS)); // the map answers in 1 ms: both would be done
    assertThat(claimed.future().isComplete()).as("alice taken before her place is repaired").isFalse();
    assertThat(freed.future().isComplete()).as("bob freed before his place is repaired").isFalse();
    assertThat(onContext.run(() -> map.get("alice"))).isEqualTo("gone");
    context.runOnContext(v -> repaired.complete());
    assertThat(onContext.run(() -> claimed.future())).isEqualTo("this");
    onContext.run(() -> freed.future());
    assertThat(onContext.run(() -> map.get("bob"))).isNull();
    assertThat(asked).containsExactlyInAnyOrder("alice", "bob");
  }

}
