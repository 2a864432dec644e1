package io.achat.server;

import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** The book's "Handling Disconnections": removed once, free at once, nothing sent after leaving. */
@ExtendWith(VertxExtension.class)
class DisconnectTest {

  private ChatServerFixture server;

  @BeforeEach
  void deploy(Vertx vertx) {
    server = ChatServerFixture.deploy(vertx);
  }

  /** Waits, by asking the broker, until {@code who} is no longer connected. */
  static void awaitGone(LineClient observer, String who) {
    // Each round trip goes through the broker, so this waits on the broker, not on a clock.
    for (int round = 0; round < 10_000; round++) {
      observer.send(who + ": are you there?");
      if (observer.sync().contains("error: not connected: " + who)) {
        return;
      }
    }
    throw new AssertionError(who + " is still connected");
  }

  @Test
  void aUserWhoLeavesIsNoLongerConnectedAndGetsNothingMore() {
    try (LineClient alice = server.login("alice")) {
      LineClient bob = server.login("bob");
      bob.close();
      awaitGone(alice, "bob");
      alice.send("bob: hello?");
      assertThat(alice.readLine()).isEqualTo("error: not connected: bob");
    }
  }

  @Test
  void aLoginIsFreeAgainOnceItsHolderLeftAndAReconnectWorks() {
    try (LineClient alice = server.login("alice")) {
      server.login("bob").close();
      awaitGone(alice, "bob");
      try (LineClient bobAgain = server.login("bob")) {
        alice.send("bob: welcome back");
        assertThat(bobAgain.readLine()).isEqualTo("from alice: welcome back");
      }
    }
  }

  @Test
  void aRefusedDuplicateDoesNotReleaseTheLoginOfTheHolder() {
    try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob")) {
      try (LineClient impostor = server.connect()) {
        impostor.send("bob");
        assertThat(impostor.readUntilClosed()).containsExactly("error: login 'bob' is taken");
      }
      alice.send("bob: you are still you");
      assertThat(alice.sync()).isEmpty();
      assertThat(bob.readLine()).isEqualTo("from alice: you are still you");
    }
  }

  @Test
  void aClientThatLeavesBeforeLoggingInDisturbsNobody() {
    try (LineClient alice = server.login("alice")) {
      server.connect().close();
      LineClient half = server.connect();
      half.sendRaw("unfinished log".getBytes());
      half.close();
      alice.send("alice: still fine");
      assertThat(alice.readLine()).isEqualTo("from alice: still fine");
    }
  }
}
