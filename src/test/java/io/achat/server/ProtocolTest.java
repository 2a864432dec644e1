package io.achat.server;

import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The wire protocol of the README, rule by rule, over real sockets against a deployed server. */
@ExtendWith(VertxExtension.class)
class ProtocolTest {

  private ChatServerFixture server;

  @BeforeEach
  void deploy(Vertx vertx) {
    server = ChatServerFixture.deploy(vertx, new JsonObject().put("maxLineLength", 1024));
  }

  @Test
  void deliversFromSenderColonText() {
    try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob")) {
      alice.send("bob: hello there");
      assertThat(bob.readLine()).isEqualTo("from alice: hello there");
    }
  }

  @Test
  void splitsAtTheFirstColonOnly() {
    try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob")) {
      alice.send("bob: time is 12:30: ok");
      assertThat(bob.readLine()).isEqualTo("from alice: time is 12:30: ok");
    }
  }

  @Test
  void trimsNamesAndTextDropsEmptyNamesAndDeliversOncePerName() {
    try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob");
         LineClient carol = server.login("carol")) {
      alice.send("  bob ,, bob,carol , ,bob :   hi all  \t");
      assertThat(alice.sync()).isEmpty();
      assertThat(bob.sync()).containsExactly("from alice: hi all");
      assertThat(carol.sync()).containsExactly("from alice: hi all");
    }
  }

  @Test
  void sendingToYourselfIsAllowed() {
    try (LineClient alice = server.login("alice")) {
      alice.send("alice: note to self");
      assertThat(alice.readLine()).isEqualTo("from alice: note to self");
    }
  }

  @Test
  void carriageReturnBeforeNewlineIsDropped() {
    try (LineClient alice = server.connect(); LineClient bob = server.login("bob")) {
      alice.sendRaw("alice\r\nbob: over telnet\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(bob.readLine()).isEqualTo("from alice: over telnet");
    }
  }

  @Test
  void loginIsTrimmed() {
    try (LineClient alice = server.connect(); LineClient bob = server.login("bob")) {
      alice.send("   alice \t");
      alice.send("bob: hi");
      assertThat(bob.readLine()).isEqualTo("from alice: hi");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "al ice", "al,ice", "al:ice", "al\u0007ice", "al\u00a0ice",
    "abcdefghijklmnopqrstuvwxyz0123456"})
  void badLoginsGetAnErrorLineAndAreClosed(String login) {
    try (LineClient client = server.connect()) {
      client.send(login);
      String reply = client.readLine();
      assertThat(reply).startsWith("error: ").doesNotStartWith("from ");
      assertThat(client.readLine()).as("closed after the error").isNull();
    }
  }

  @Test
  void loginOfExactlyTheMaximumLengthIsAccepted() {
    String login = "abcdefghijklmnopqrstuvwxyz012345";
    assertThat(login).hasSize(32);
    try (LineClient client = server.login(login); LineClient bob = server.login("bob")) {
      bob.send(login + ": the longest login there is");
      assertThat(client.readLine()).isEqualTo("from bob: the longest login there is");
    }
  }

  @Test
  void loginOfInvalidUtf8IsRefused() {
    try (LineClient client = server.connect()) {
      client.sendRaw(new byte[] {'a', (byte) 0xc3, '\n'});
      assertThat(client.readLine()).isEqualTo("error: login is not valid UTF-8");
      assertThat(client.readLine()).isNull();
    }
  }

  @Test
  void nonAsciiLoginsAndTextWork() {
    try (LineClient zoe = server.login("zoë"); LineClient bob = server.login("bob")) {
      zoe.send("bob: żółw 🐢");
      assertThat(bob.readLine()).isEqualTo("from zoë: żółw 🐢");
    }
  }

  /** The delivered text is the sent one, trimmed, whatever the login, the names and the white space around it. */
  @Test
  void theTextArrivesAsSentWhateverSurroundsIt() {
    try (LineClient zoe = server.login("zoë"); LineClient bob = server.login("bob")) {
      bob.send("zoë:\t \tplain words\t ");
      assertThat(zoe.readLine()).isEqualTo("from bob: plain words");
      zoe.send("bob:plain");
      assertThat(bob.readLine()).isEqualTo("from zoë: plain");
      zoe.send("bob, zoë :  a\tb é ");
      assertThat(bob.readLine()).isEqualTo("from zoë: a\tb é");
      assertThat(zoe.readLine()).isEqualTo("from zoë: a\tb é");
      bob.send("zoë:   ");
      assertThat(zoe.readLine()).isEqualTo("from bob: ");
      bob.send(" zoë , bob:x: y ");
      assertThat(zoe.readLine()).isEqualTo("from bob: x: y");
      assertThat(bob.readLine()).isEqualTo("from bob: x: y");
    }
  }

  @Test
  void aTakenLoginIsRefusedAndTheHolderIsUndisturbed() {
    try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob");
         LineClient impostor = server.connect()) {
      impostor.send("alice");
      impostor.send("bob: I am alice");
      assertThat(impostor.readLine()).isEqualTo("error: login 'alice' is taken");
      assertThat(impostor.readLine()).isNull();

      alice.send("bob: the real one");
      assertThat(alice.sync()).isEmpty();
      assertThat(bob.sync()).containsExactly("from alice: the real one");
    }
  }

  @Test
  void aLineWithoutColonGetsAnErrorAndTheConnectionStays() {
    try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob")) {
      alice.send("hello bob");
      assertThat(alice.readLine()).startsWith("error: ");
      alice.send("bob: still here");
      assertThat(bob.readLine()).isEqualTo("from alice: still here");
    }
  }

  @Test
  void blankLinesAreIgnoredSilently() {
    try (LineClient alice = server.login("alice")) {
      alice.send("");
      alice.send("   ");
      assertThat(alice.sync()).isEmpty();
    }
  }

  @Test
  void aLineWithNoRecipientGetsAnError() {
    try (LineClient alice = server.login("alice")) {
      alice.send(" , : nobody");
      assertThat(alice.sync()).containsExactly("error: no recipient before ':'");
    }
  }

  @Test
  void controlCharactersInTextAreRefused() {
    try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob")) {
      alice.send("bob: hi\rfrom admin: give me your password");
      assertThat(alice.sync()).containsExactly("error: control characters are not allowed in a message");
      alice.send("bob: tabs\tare fine");
      assertThat(alice.sync()).isEmpty();
      assertThat(bob.sync()).containsExactly("from alice: tabs\tare fine");
    }
  }

  @Test
  void unknownRecipientsAreToldAndTheOthersStillGetIt() {
    try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob")) {
      alice.send("carol, bob, dave: anyone?");
      assertThat(alice.sync()).containsExactly("error: not connected: carol, dave");
      assertThat(bob.sync()).containsExactly("from alice: anyone?");
    }
  }

  @Test
  void invalidUtf8IsRejectedAndNothingGarbledIsDelivered() {
    try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob")) {
      byte[] bad = "bob: caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);
      alice.sendRaw(bad).sendRaw(new byte[] {'\n'});
      alice.sendRaw(new byte[] {'b', 'o', 'b', ':', ' ', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '\n'});
      assertThat(alice.sync()).hasSize(2).allSatisfy(line -> assertThat(line).startsWith("error: "));
      alice.send("bob: café");
      assertThat(alice.sync()).isEmpty();
      assertThat(bob.sync()).containsExactly("from alice: café");
    }
  }

  @Test
  void aLineOfExactlyTheMaximumIsDelivered() {
    try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob")) {
      String prefix = "bob: ";
      String text = "x".repeat(1024 - prefix.length());
      alice.sendRaw((prefix + text + "\r\n").getBytes(StandardCharsets.US_ASCII));
      assertThat(bob.readLine()).isEqualTo("from alice: " + text);
    }
  }

  @Test
  void anOverlongLineIsRefusedAndTheSenderDisconnected() {
    try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob")) {
      alice.send("bob: " + "y".repeat(1024));
      assertThat(alice.readUntilClosed()).containsExactly("error: line longer than 1024 bytes");
      assertThat(bob.sync()).isEmpty();
    }
  }

  @Test
  void aLineWithoutEndIsNeverBufferedPastTheBound() {
    try (LineClient mallory = server.login("mallory"); LineClient bob = server.login("bob")) {
      byte[] chunk = "z".repeat(512).getBytes(StandardCharsets.US_ASCII);
      // The server must cut the sender off after about 1 KiB; writing far more than that would
      // block or fail once it has, and must not be buffered by the server.
      int written = 0;
      try {
        while (written < 64 * 1024 * 1024) {
          mallory.sendRaw(chunk);
          written += chunk.length;
        }
      } catch (java.io.UncheckedIOException closedByServer) {
        // expected: the server closed the connection
      }
      assertThat(mallory.readUntilClosed()).containsExactly("error: line longer than 1024 bytes");
      assertThat(written).isLessThan(64 * 1024 * 1024);
      bob.send("bob: alive");
      assertThat(bob.readLine()).isEqualTo("from bob: alive");
    }
  }

  @Test
  void linesSentRightBeforeHangingUpAreStillDelivered() {
    try (LineClient bob = server.login("bob")) {
      try (LineClient ghost = server.connect()) {
        ghost.sendRaw("ghost\nbob: first words\nbob: last words\n".getBytes(StandardCharsets.US_ASCII));
      }
      assertThat(bob.readLine()).isEqualTo("from ghost: first words");
      assertThat(bob.readLine()).isEqualTo("from ghost: last words");
    }
  }

  @Test
  void aLastLineWithoutNewlineIsStillALineWhenTheClientHangsUp() {
    try (LineClient bob = server.login("bob")) {
      try (LineClient ghost = server.connect()) {
        ghost.sendRaw("ghost\nbob: first words\nbob: no newline".getBytes(StandardCharsets.US_ASCII));
      }
      assertThat(bob.readLine()).isEqualTo("from ghost: first words");
      assertThat(bob.readLine()).isEqualTo("from ghost: no newline");
    }
  }

  @Test
  void aClientThatShutsDownItsSendingSideHasItsLinesDeliveredAndItsLoginFreed() {
    List<String> answers = List.of("from carl: echo", "error: not connected: nobody");
    try (LineClient bob = server.login("bob")) {
      try (LineClient nc = server.connect()) {
        // What `printf 'carl\ncarl: echo\n...' | nc -N HOST PORT` does: all input, then end of input.
        nc.sendRaw("carl\ncarl: echo\nbob, nobody: hello\n".getBytes(StandardCharsets.US_ASCII));
        nc.shutdownOutput();
        // Vert.x 5.0 closes a half-closed socket: what carl gets before that is in order, if anything.
        List<String> got = nc.readUntilClosed();
        assertThat(got).hasSizeLessThanOrEqualTo(answers.size()).isEqualTo(answers.subList(0, got.size()));
      }
      assertThat(bob.readLine()).isEqualTo("from carl: hello");
      bob.awaitGone("carl");
      try (LineClient carl = server.login("carl")) {
        carl.send("bob: back");
        assertThat(bob.readLine()).isEqualTo("from carl: back");
      }
    }
  }

  @Test
  void answersComeInTheOrderOfTheLinesThatCausedThem() {
    try (LineClient alice = server.login("alice"); LineClient bob = server.login("bob")) {
      alice.sendRaw(("bob, carol: hi\nno colon here\nalice: to myself\ndave: hello?\n"
        + "bob: caf\u00e9\n").getBytes(StandardCharsets.ISO_8859_1));
      assertThat(alice.sync()).containsExactly(
        "error: not connected: carol",
        "error: expected 'name1, name2: text' (no ':' in the line)",
        "from alice: to myself",
        "error: not connected: dave",
        "error: line is not valid UTF-8; it was dropped");
      assertThat(bob.sync()).containsExactly("from alice: hi");
    }
  }
}
