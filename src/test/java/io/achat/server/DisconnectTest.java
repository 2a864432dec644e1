package io.achat.server;

import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.achat.support.Presence;
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

  @Test
  void aUserWhoLeavesIsNoLongerConnectedAndGetsNothingMore() {
    try (LineClient alice = server.login("alice")) {
      LineClient bob = server.login("bob");
      bob.close();
      alice.awaitGone("bob");
      alice.send("bob: hello?");
      assertThat(alice.readLine()).isEqualTo("error: not connected: bob");
    }
  }

  @Test
  void aLoginIsFreeAgainOnceItsHolderLeftAndAReconnectWorks() {
    try (LineClient alice = server.login("alice")) {
      server.login("bob").close();
      alice.awaitGone("bob");
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
  void aClientThatLeavesBeforeOrRightAtItsLoginHoldsNothing() {
    try (LineClient alice = server.login("alice")) {
      server.connect().close();
      // Its last line, without a line end, is its login; then it is gone, and so is the login.
      LineClient half = server.connect();
      half.sendRaw("bob".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      half.close();
      try (LineClient bob = Presence.loginRetrying(server::connect, "bob", 10_000)) {
        alice.send("bob: the login was free again");
        assertThat(bob.readLine()).isEqualTo("from alice: the login was free again");
      }
    }
  }
}
