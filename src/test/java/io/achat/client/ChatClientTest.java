package io.achat.client;

import io.achat.support.Background;
import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.achat.support.LineSink;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The bundled client against a real server, with its standard streams replaced. */
@ExtendWith(VertxExtension.class)
class ChatClientTest {

  private ChatServerFixture server;

  @BeforeEach
  void deploy(Vertx vertx) {
    server = ChatServerFixture.deploy(vertx);
  }

  private static CompletableFuture<Integer> start(ChatClient client, int port) {
    return Background.supply(() -> client.run("127.0.0.1", port));
  }

  @Test
  void sendsEveryLineOfStandardInputThenExitsZeroAtItsEnd() throws Exception {
    try (LineClient bob = server.login("bob")) {
      byte[] input = "alice\nbob: one\nbob: two\r\nbob: three".getBytes(StandardCharsets.UTF_8);
      ChatClient client = new ChatClient(new ByteArrayInputStream(input),
        new PrintStream(new LineSink(), true), new PrintStream(new ByteArrayOutputStream()));
      assertThat(start(client, server.port()).get(30, TimeUnit.SECONDS)).isEqualTo(ChatClient.OK);
      assertThat(bob.readLine()).isEqualTo("from alice: one");
      assertThat(bob.readLine()).isEqualTo("from alice: two");
      assertThat(bob.readLine()).isEqualTo("from alice: three");
    }
  }

  /** A client run whose keyboard the test types on and whose screen it reads. */
  private record Session(PipedOutputStream keyboard, LineSink screen, CompletableFuture<Integer> status) {

    static Session start(int port) throws Exception {
      PipedOutputStream keyboard = new PipedOutputStream();
      LineSink screen = new LineSink();
      ChatClient client = new ChatClient(new PipedInputStream(keyboard, 4096),
        new PrintStream(screen, true), new PrintStream(new ByteArrayOutputStream()));
      return new Session(keyboard, screen, ChatClientTest.start(client, port));
    }

    void type(String text) throws Exception {
      keyboard.write(text.getBytes(StandardCharsets.UTF_8));
      keyboard.flush();
    }
  }

  @Test
  void printsEveryLineFromTheServerAndStopsWhenInputEnds() throws Exception {
    Session carol = Session.start(server.port());
    carol.type("carol\ncarol: ready\n");
    assertThat(carol.screen().next()).isEqualTo("from carol: ready");
    try (LineClient alice = server.login("alice")) {
      alice.send("carol: hello carol");
      assertThat(carol.screen().next()).isEqualTo("from alice: hello carol");
      carol.type("dave: anyone?\n");
      assertThat(carol.screen().next()).isEqualTo("error: not connected: dave");
      carol.keyboard().close();
      assertThat(carol.status().get(30, TimeUnit.SECONDS)).isEqualTo(ChatClient.OK);
    }
  }

  @Test
  void exitsWhenTheServerClosesTheConnection() throws Exception {
    try (LineClient alice = server.login("alice")) {
      Session impostor = Session.start(server.port());
      impostor.type("alice\n");
      assertThat(impostor.screen().next()).isEqualTo("error: login 'alice' is taken");
      assertThat(impostor.status().get(30, TimeUnit.SECONDS)).isEqualTo(ChatClient.OK);
    }
  }

  @Test
  void failsWithNonZeroStatusWhenItCannotConnect() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    ChatClient client = new ChatClient(new ByteArrayInputStream(new byte[0]),
      new PrintStream(new LineSink(), true), new PrintStream(errors, true));
    assertThat(start(client, closedPort).get(30, TimeUnit.SECONDS)).isEqualTo(ChatClient.BROKEN);
    assertThat(errors.toString(StandardCharsets.UTF_8)).contains("cannot connect to 127.0.0.1:" + closedPort);
  }

  @Test
  void rejectsABadTargetWithAUsageStatus() {
    assertThat(ChatClient.main(new String[] {"no-port-here"})).isEqualTo(ChatClient.USAGE);
    assertThat(ChatClient.main(new String[] {"host:99999"})).isEqualTo(ChatClient.USAGE);
    assertThat(ChatClient.main(new String[] {"a:1", "b:2"})).isEqualTo(ChatClient.USAGE);
    assertThat(ChatClient.main(new String[] {"--trust"})).isEqualTo(ChatClient.USAGE);
    assertThat(ChatClient.main(new String[] {"--insecure", "a:1"})).isEqualTo(ChatClient.USAGE);
  }
}
