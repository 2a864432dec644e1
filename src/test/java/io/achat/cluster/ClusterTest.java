package io.achat.cluster;

import io.achat.broker.Event;
import io.achat.support.ClusterFixture;
import io.achat.support.LineClient;
import io.achat.support.Presence;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import static io.achat.support.Presence.awaitSeen;
import static io.achat.support.Presence.loginRetrying;
import static io.achat.support.Presence.next;
import static io.achat.support.Presence.tryLogin;
import static io.achat.support.Presence.withoutProbes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three a-chat nodes on one Vert.x cluster (Hazelcast, in this JVM): users on different nodes
 * chat as on one, over real sockets. Each test uses logins of its own.
 */
class ClusterTest {

  private static ClusterFixture cluster;

  @BeforeAll
  static void startCluster() {
    cluster = ClusterFixture.start(3, new JsonObject());
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void usersOnTwoNodesChatBothWays() {
    try (LineClient alice = cluster.node(0).login("alice1"); LineClient bob = cluster.node(1).login("bob1")) {
      awaitSeen(alice, "bob1");
      awaitSeen(bob, "alice1");
      alice.send("bob1: hello from node A");
      assertThat(next(bob)).isEqualTo("from alice1: hello from node A");
      bob.send("alice1: hello from node B");
      assertThat(next(alice)).isEqualTo("from bob1: hello from node B");
    }
  }

  @Test
  void aLineToUsersOnSeveralNodesReachesEachOnceInTheSendersOrder() {
    try (LineClient alice = cluster.node(0).login("alice2"); LineClient bob = cluster.node(1).login("bob2");
         LineClient carol = cluster.node(2).login("carol2"); LineClient dave = cluster.node(0).login("dave2");
         LineClient erin = cluster.node(1).login("erin2")) {
      for (String who : List.of("bob2", "carol2", "erin2")) {
        awaitSeen(alice, who);
      }
      int lines = 500;
      for (int i = 0; i < lines; i++) {
        alice.send("bob2, carol2, dave2, erin2, bob2: line " + i);
      }
      assertThat(alice.sync()).isEmpty();
      for (LineClient to : List.of(bob, carol, dave, erin)) {
        for (int i = 0; i < lines; i++) {
          assertThat(next(to)).as(to.login()).isEqualTo("from alice2: line " + i);
        }
        // Nothing more: the next line is the echo of this sync.
        assertThat(withoutProbes(to.sync())).as(to.login()).isEmpty();
      }
    }
  }

  @Test
  void aUserIsReachableFromEveryNodeAsSoonAsTheirLoginIsAccepted() {
    // Node A hears of new users late; a login must not be accepted before A has noted it.
    Vertx nodeA = cluster.node(0).vertx();
    Handler<DeliveryContext<Object>> late = context -> {
      // From another node the body is decoded only when asked for.
      if (context.message().body() instanceof Event.Online) {
        nodeA.setTimer(100, t -> context.next());
      } else {
        context.next();
      }
    };
    nodeA.eventBus().addInboundInterceptor(late);
    try (LineClient alice = cluster.node(0).login("alice7"); LineClient carol = cluster.node(2).login("carol7")) {
      for (int round = 0; round < 10; round++) {
        // Accepted: its own message came back. No waiting for the other nodes to hear of it.
        try (LineClient bob = cluster.node(1).login("bob7-" + round)) {
          alice.send(bob.login() + ": from node A");
          carol.send(bob.login() + ": from node C");
          assertThat(alice.sync()).as("round %d", round).isEmpty();
          assertThat(carol.sync()).as("round %d", round).isEmpty();
          assertThat(List.of(bob.readLine(), bob.readLine()))
            .containsExactlyInAnyOrder("from alice7: from node A", "from carol7: from node C");
        }
      }
    } finally {
      nodeA.eventBus().removeInboundInterceptor(late);
    }
  }

  @Test
  void aLineCrossesTheNetworkOncePerDestinationNode() {
    List<Event.Forward> forwards = new CopyOnWriteArrayList<>();
    cluster.node(0).vertx().eventBus().addOutboundInterceptor(context -> {
      if (context.body() instanceof Event.Forward forward && forward.messages().stream()
        .anyMatch(m -> m.line().toString().startsWith("from alice3: once"))) {
        forwards.add(forward);
      }
      context.next();
    });
    try (LineClient alice = cluster.node(0).login("alice3"); LineClient bob = cluster.node(1).login("bob3");
         LineClient erin = cluster.node(1).login("erin3"); LineClient frank = cluster.node(1).login("frank3");
         LineClient carol = cluster.node(2).login("carol3")) {
      for (String who : List.of("bob3", "erin3", "frank3", "carol3")) {
        awaitSeen(alice, who);
      }
      alice.send("bob3, erin3, frank3, carol3: once");
      for (LineClient to : List.of(bob, erin, frank, carol)) {
        assertThat(next(to)).isEqualTo("from alice3: once");
      }
      assertThat(forwards).hasSize(2);
      List<List<String>> recipients = new ArrayList<>();
      forwards.forEach(f -> f.messages().forEach(m -> recipients.add(m.recipients())));
      assertThat(recipients).containsExactlyInAnyOrder(List.of("bob3", "erin3", "frank3"), List.of("carol3"));
    }
  }

  @Test
  void unknownRecipientsAreReportedInLineOrderAsOnOneNode() {
    try (LineClient alice = cluster.node(0).login("alice4"); LineClient bob = cluster.node(1).login("bob4")) {
      awaitSeen(alice, "bob4");
      alice.send("bob4, nobody4: first");
      alice.send("no colon here");
      alice.send("bob4: second");
      alice.send("ghost4: third");
      assertThat(alice.sync()).containsExactly(
        "error: not connected: nobody4",
        "error: expected 'name1, name2: text' (no ':' in the line)",
        "error: not connected: ghost4");
      assertThat(next(bob)).isEqualTo("from alice4: first");
      assertThat(next(bob)).isEqualTo("from alice4: second");
    }
  }

  @Test
  void aLoginTakenOnOneNodeIsRefusedOnAnother() {
    try (LineClient alice = cluster.node(0).login("alice5"); LineClient other = cluster.node(1).connect()) {
      other.send("alice5");
      assertThat(other.readUntilClosed()).containsExactly("error: login 'alice5' is taken");
      try (LineClient third = cluster.node(2).connect()) {
        third.send("alice5");
        assertThat(third.readUntilClosed()).containsExactly("error: login 'alice5' is taken");
      }
    }
  }

  @Test
  void theSameLoginTriedOnTwoNodesAtOnceIsAcceptedOnExactlyOne() throws Exception {
    int rounds = 60;
    for (int round = 0; round < rounds; round++) {
      String login = "race" + round;
      try (LineClient a = cluster.node(round % 3).connect(); LineClient b = cluster.node((round + 1) % 3).connect()) {
        // Two threads of their own, let go together: both logins are on their way at once.
        CyclicBarrier together = new CyclicBarrier(2);
        FutureTask<Boolean> first = new FutureTask<>(() -> {
          together.await(10, TimeUnit.SECONDS);
          return tryLogin(a, login);
        });
        FutureTask<Boolean> second = new FutureTask<>(() -> {
          together.await(10, TimeUnit.SECONDS);
          return tryLogin(b, login);
        });
        new Thread(first, "race-a").start();
        new Thread(second, "race-b").start();
        boolean wonA = first.get(30, TimeUnit.SECONDS);
        boolean wonB = second.get(30, TimeUnit.SECONDS);
        assertThat(wonA ^ wonB).as("round %d: exactly one of the two is accepted (A %s, B %s)", round, wonA, wonB)
          .isTrue();
      }
    }
  }

  @Test
  void aLoginGivenBackOnOneNodeCanBeTakenOnAnother() {
    try (LineClient bob = cluster.node(1).login("bob6")) {
      LineClient alice = cluster.node(0).login("alice6");
      awaitSeen(bob, "alice6");
      alice.close();
      bob.awaitGone("alice6");
      try (LineClient again = loginRetrying(() -> cluster.node(2).connect(), "alice6", 10_000)) {
        awaitSeen(bob, "alice6");
        bob.send("alice6: welcome back");
        assertThat(next(again)).isEqualTo("from bob6: welcome back");
      }
    }
  }

  @Test
  void aWatcherOnOneNodeIsToldOfAUserOnAnotherAndWhoSeesTheWholeCluster() {
    try (LineClient alice = cluster.node(0).login("alice7")) {
      alice.send("/watch bob7, carol7");
      assertThat(List.of(alice.readLine(), alice.readLine())).containsExactly("offline: bob7", "offline: carol7");
      try (LineClient bob = cluster.node(1).login("bob7"); LineClient carol = cluster.node(2).login("carol7")) {
        assertThat(List.of(alice.readLine(), alice.readLine())).containsExactlyInAnyOrder("online: bob7", "online: carol7");
        bob.send("/who alice7, bob7, carol7, dave7");
        assertThat(bob.readLine()).isEqualTo("online: alice7, bob7, carol7");
        bob.send("alice7: from node B");
        assertThat(alice.readLine()).isEqualTo("from bob7: from node B");
      }
      assertThat(List.of(alice.readLine(), alice.readLine())).containsExactlyInAnyOrder("offline: bob7", "offline: carol7");
      alice.send("/who alice7, bob7, carol7");
      assertThat(alice.readLine()).isEqualTo("online: alice7");
    }
  }
}
