package io.achat.broker;

import io.achat.config.BusAddresses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node dropped from the cluster ("gone") held a login: the node that asks the deputy first
 * ("deputy", the oldest member) takes it at once, before the map of logins can say so, the others
 * are told who has it, and the map names the taker once its place is repaired. Two brokers on one
 * Vert.x, talking over its event bus, share a local map that stands for the cluster's.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HandoverTest {

  private static final String DEPUTY = "deputy";
  private static final String OTHER = "other";
  private static final String GONE = "gone";

  private Vertx vertx;
  private Context context;
  private OnContext onContext;
  private AsyncMap<String, String> map;
  /** Whether the member list no longer has the node that held the logins. */
  private volatile boolean dropped = true;
  /** The deputy the member list names. */
  private volatile String oldest = DEPUTY;
  private final Promise<Void> repaired = Promise.promise();
  private final List<String> lost = new CopyOnWriteArrayList<>();

  @BeforeEach
  void cluster(Vertx vertx) {
    this.vertx = vertx;
    context = vertx.getOrCreateContext();
    onContext = new OnContext(context);
    EventCodec.registerAll(vertx);
    map = onContext.run(() -> vertx.sharedData().<String, String>getLocalAsyncMap("logins"));
    onContext.run(() -> map.put("victim", GONE));
  }

  @Test
  void theFirstToAskTakesTheLoginBeforeTheMapIsRepairedAndTheMapNamesItAfter() {
    Handover deputy = broker(DEPUTY);
    Handover other = broker(OTHER);
    onContext.run(() -> {
      deputy.gone(GONE, Set.of("victim"));
      other.gone(GONE, Set.of("victim"));
      return Future.succeededFuture();
    });
    assertThat(onContext.run(() -> other.take("victim", GONE))).as("the first to ask").isEqualTo(OTHER);
    assertThat(onContext.run(() -> deputy.take("victim", GONE))).as("the deputy, asking second").isEqualTo(OTHER);
    assertThat(onContext.run(() -> map.get("victim"))).as("the map, not repaired yet").isEqualTo(GONE);
    context.runOnContext(v -> repaired.complete());
    assertThat(eventually(() -> map.get("victim"), OTHER)).as("the map once repaired").isEqualTo(OTHER);
    assertThat(lost).isEmpty();
  }

  @Test
  void whileTheMemberListStillHasTheNodeItsLoginIsTaken() {
    dropped = false;
    broker(DEPUTY);
    Handover other = broker(OTHER);
    assertThat(onContext.run(() -> other.take("victim", GONE))).isEqualTo(GONE);
  }

  @Test
  void aTakerWhoseLoginTheMapGivesToAnotherLetsItsUserGo() {
    onContext.run(() -> map.put("victim", "third")); // claimed through the map by a node whose view differed
    context.runOnContext(v -> repaired.complete());
    broker(DEPUTY);
    Handover other = broker(OTHER);
    assertThat(onContext.run(() -> other.take("victim", GONE))).as("let in at once").isEqualTo(OTHER);
    assertThat(eventually(() -> Future.succeededFuture(String.join(",", lost)), "victim=third"))
      .as("told it lost the login").isEqualTo("victim=third");
  }

  @Test
  void withoutAnAnswerFromTheDeputyTheMapDecides() {
    oldest = "silent"; // named by the member list, but no broker answers there
    context.runOnContext(v -> repaired.complete());
    Handover other = broker(OTHER);
    assertThat(onContext.run(() -> other.take("victim", GONE))).isEqualTo(OTHER);
    assertThat(onContext.run(() -> map.get("victim"))).isEqualTo(OTHER);
  }

  /** A broker's handover named {@code name}, answering at its node's address as the deputy would. */
  private Handover broker(String name) {
    LoginClaims claims = new LoginClaims(map, name, GONE::equals, () -> { }, login -> repaired.future());
    Handover.MemberList members = new Handover.MemberList(() -> node -> dropped && node.equals(GONE), brokers -> oldest);
    Handover handover = new Handover(name, members, new ClusterBus(vertx), claims, () -> Set.of(DEPUTY, OTHER),
      (login, holder) -> lost.add(login + "=" + holder));
    onContext.run(() -> vertx.eventBus().<Event>consumer(BusAddresses.node(name), envelope -> {
      if (envelope.body() instanceof Event.Take take) {
        handover.asked(take, envelope);
      } else if (envelope.body() instanceof Event.Settled settled) {
        handover.written(settled);
      }
    }).completion());
    return handover;
  }

  /** Asks {@code read} every 10 ms until it gives {@code expected}, for at most 10 s; gives the last answer. */
  private String eventually(Supplier<Future<String>> read, String expected) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String last = onContext.run(read);
    while (!expected.equals(last) && System.nanoTime() - end < 0) {
      onContext.run(() -> vertx.timer(10, TimeUnit.MILLISECONDS));
      last = onContext.run(read);
    }
    return last;
  }

}
