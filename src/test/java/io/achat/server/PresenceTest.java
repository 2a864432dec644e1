package io.achat.server;

import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.achat.support.Presence;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code /who}, {@code /watch} and {@code /unwatch} on one node, over real sockets. */
@ExtendWith(VertxExtension.class)
class PresenceTest {

  private ChatServerFixture server;

  @BeforeEach
  void deploy(Vertx vertx) {
    server = ChatServerFixture.deploy(vertx, new JsonObject().put("maxWatched", 3));
  }

  @Test
  void whoAnswersTheLoginsOnlineSortedByCodePointAndThoseOfTheNamesGiven() {
    try (LineClient zoe = server.login("zoë"); LineClient bob = server.login("bob");
         LineClient emoji = server.login("\uD83D\uDC22"); LineClient last = server.login("\uFFFDx")) {
      bob.send("/who");
      // U+FFFD sorts before U+1F422 by code point, after it by UTF-16 unit.
      assertThat(bob.readLine()).isEqualTo("online: bob, zoë, \uFFFDx, \uD83D\uDC22");
      bob.send("/who zoë, nobody, bob, bad name");
      assertThat(bob.readLine()).isEqualTo("online: bob, zoë");
      bob.send("/who nobody");
      assertThat(bob.readLine()).isEqualTo("online: ");
      last.close();
      bob.awaitGone("\uFFFDx");
      bob.send("/who");
      assertThat(bob.readLine()).isEqualTo("online: bob, zoë, \uD83D\uDC22");
    }
  }

  @Test
  void whoNamesAHundredAndCountsTheRest() {
    List<LineClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 103; i++) {
        clients.add(server.login(String.format("u%03d", i)));
      }
      LineClient asker = clients.get(0);
      asker.send("/who");
      String first100 = IntStream.range(0, 100).mapToObj(i -> String.format("u%03d", i)).collect(Collectors.joining(", "));
      assertThat(asker.readLine()).isEqualTo("online: " + first100 + " (and 3 more)");
    } finally {
      clients.forEach(LineClient::close);
    }
  }

  @Test
  void aWatcherIsToldWhenAWatchedNameComesAndGoesInOrderWithItsLines() {
    try (LineClient alice = server.login("alice")) {
      alice.send("/watch bob, carol, bob");
      assertThat(alice.readLine()).isEqualTo("offline: bob");
      assertThat(alice.readLine()).isEqualTo("offline: carol");
      try (LineClient bob = server.login("bob")) {
        bob.send("alice: hi");
        bob.send("/quit? no: a message to a user called '/quit? no'");
      }
      assertThat(alice.readLine()).isEqualTo("online: bob");
      assertThat(alice.readLine()).isEqualTo("from bob: hi");
      assertThat(alice.readLine()).isEqualTo("offline: bob");
      try (LineClient carol = server.login("carol")) {
        assertThat(alice.readLine()).isEqualTo("online: carol");
        alice.send("/watch carol");
        assertThat(alice.readLine()).as("watching again answers at once").isEqualTo("online: carol");
      }
      assertThat(alice.readLine()).isEqualTo("offline: carol");
      assertThat(alice.sync()).as("nothing more").isEmpty();
    }
  }

  @Test
  void aWatchListHoldsMaxWatchedNamesAndUnwatchFreesThem() {
    try (LineClient alice = server.login("alice")) {
      alice.send("/watch a, b, c, d, e");
      assertThat(List.of(alice.readLine(), alice.readLine(), alice.readLine(), alice.readLine()))
        .containsExactly("offline: a", "offline: b", "offline: c", "error: watch list is full (3)");
      alice.send("/watch a, b");
      assertThat(List.of(alice.readLine(), alice.readLine())).as("watched twice counts once")
        .containsExactly("offline: a", "offline: b");
      alice.send("/unwatch a, nobody");
      alice.send("/watch d");
      assertThat(alice.readLine()).isEqualTo("offline: d");
      try (LineClient a = server.login("a"); LineClient d = server.login("d")) {
        assertThat(alice.sync()).as("a is no longer watched").containsExactly("online: d");
      }
      assertThat(alice.readLine()).as("a left too, unwatched").isEqualTo("offline: d");
      alice.send("/unwatch");
      try (LineClient b = server.login("b")) {
        assertThat(alice.sync()).as("nobody is watched").isEmpty();
      }
      alice.send("/watch e, bad name");
      assertThat(alice.readLine()).isEqualTo("offline: e");
      assertThat(alice.readLine()).isEqualTo(
        "error: cannot watch 'bad name': login must not contain white space, ',', ':' or control characters");
      alice.send("/watch f:g");
      assertThat(alice.readLine()).as("a colon makes the line a message").isEqualTo("error: not connected: /watch f");
    }
  }

  @Test
  void watchListsCountAgainstTheClientMemoryBudget() throws Exception {
    // A full list of 1 000 names holds about 170 KB in the broker: one fits the budget, two do not.
    Vertx own = Vertx.vertx(); // one a-chat per Vert.x, and this one is configured apart
    try {
      ChatServerFixture small = ChatServerFixture.deploy(own, new JsonObject().put("instances", 1).put("maxWatched", 1000)
        .put("maxQueuedBytes", 65_536).put("maxClientMemory", 250_000));
      String names = IntStream.range(0, 1000).mapToObj(i -> String.format("n%04d", i)).collect(Collectors.joining(", "));
      try (LineClient quiet = small.login("quiet"); LineClient first = small.login("first");
           LineClient second = small.login("second")) {
        first.send("/watch " + names);
        assertThat(first.sync()).hasSize(1000).last().isEqualTo("offline: n0999");
        assertThat(alive(first)).as("one full watch list fits the budget").isTrue();
        second.send("/watch " + names);
        // The second's answers first: by their end the budget has been checked.
        boolean secondAlive = alive(second);
        assertThat(List.of(alive(first), secondAlive)).as("first, second: one of the two is cut off")
          .containsExactlyInAnyOrder(true, false);
        assertThat(alive(quiet)).as("a client without a watch list stays").isTrue();
      }
    } finally {
      own.close().await(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  /** Whether {@code client}'s connection still answers: its lines so far are read and dropped. */
  private static boolean alive(LineClient client) {
    try {
      client.sync();
      return true;
    } catch (AssertionError | java.io.UncheckedIOException closed) {
      return false;
    }
  }

  /**
   * More watchers on each accept loop than it hands out in one go ({@link LoopConnections#PARTS_PER_TURN}):
   * the fan-out goes in slices, and each watcher still gets every line, in order.
   */
  @Test
  void aFanOutToMoreWatchersThanASliceReachesEachInOrder() {
    int count = 1100; // two accept loops: more than a slice on each
    List<LineClient> watchers = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        LineClient watcher = server.login("w" + i);
        watcher.send("/watch star");
        watchers.add(watcher);
      }
      for (LineClient watcher : watchers) {
        assertThat(watcher.readLine()).isEqualTo("offline: star");
      }
      try (LineClient star = server.login("star")) {
        star.send(watchers.stream().map(LineClient::login).collect(Collectors.joining(",")) + ": hello, watchers");
        assertThat(star.sync()).isEmpty();
      }
      for (LineClient watcher : watchers) {
        assertThat(List.of(watcher.readLine(), watcher.readLine(), watcher.readLine())).as(watcher.login())
          .containsExactly("online: star", "from star: hello, watchers", "offline: star");
      }
    } finally {
      watchers.forEach(LineClient::close);
    }
  }

  @Test
  void unknownCommandsAreAnsweredAndSlashNamesAreStillUsers() {
    try (LineClient alice = server.login("alice"); LineClient who = server.login("/who")) {
      alice.send("/join #rust");
      assertThat(alice.readLine()).isEqualTo("error: unknown command: /join");
      alice.send("/who: hi");
      assertThat(who.readLine()).isEqualTo("from alice: hi");
      assertThat(alice.sync()).isEmpty();
    }
  }

  @Test
  void aNameLoggingInAndOutInALoopIsNeverReportedInAStateItIsNotIn() {
    try (LineClient alice = server.login("alice")) {
      alice.send("/watch bob");
      assertThat(alice.readLine()).isEqualTo("offline: bob");
      for (int i = 0; i < 40; i++) {
        LineClient bob = Presence.loginRetrying(server::connect, "bob", 20_000);
        if (i == 39) {
          bob.send("alice: done");
        }
        bob.close();
      }
      List<String> told = new ArrayList<>();
      for (String line = alice.readLine(); !"from bob: done".equals(line); line = alice.readLine()) {
        told.add(line);
      }
      assertThat(told).as("bob was online when he sent it").isNotEmpty().last().isEqualTo("online: bob");
      assertThat(alice.readLine()).isEqualTo("offline: bob");
      assertThat(alice.sync()).as("nothing more").isEmpty();
      for (int i = 0; i < told.size(); i++) {
        assertThat(told.get(i)).as("line %d of %s", i, told).isEqualTo(i % 2 == 0 ? "online: bob" : "offline: bob");
      }
    }
  }
}
