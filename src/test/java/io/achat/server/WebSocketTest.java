package io.achat.server;

import io.achat.support.Background;
import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.achat.support.RawHttp;
import io.achat.support.RawWebSocket;
import io.achat.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The WebSocket door: the same chat, the same rules, over real sockets. */
@ExtendWith(VertxExtension.class)
class WebSocketTest {

  private static ChatServerFixture deploy(Vertx vertx, JsonObject config) {
    return ChatServerFixture.deploy(vertx, new JsonObject().put("webPort", -1).mergeIn(config));
  }

  @Test
  void aWebSocketUserAndATcpUserTalkBothWays(Vertx vertx) {
    ChatServerFixture server = deploy(vertx, new JsonObject());
    try (WsClient alice = WsClient.login(vertx, server.webSocketUrl(), "alice");
         LineClient bob = server.login("bob"); LineClient carol = server.login("carol")) {
      alice.send("bob: hi from the browser");
      assertThat(bob.readLine()).isEqualTo("from alice: hi from the browser");
      bob.send("alice: hi from nc");
      assertThat(alice.readLine()).isEqualTo("from bob: hi from nc");
      alice.send("bob, carol, alice: to all of us");
      assertThat(bob.readLine()).isEqualTo("from alice: to all of us");
      assertThat(carol.readLine()).isEqualTo("from alice: to all of us");
      assertThat(alice.readLine()).isEqualTo("from alice: to all of us");
      alice.send("dave: anyone?");
      assertThat(alice.readLine()).isEqualTo("error: not connected: dave");
      alice.send("no colon here");
      assertThat(alice.readLine()).startsWith("error: expected 'name1, name2: text'");
      // A trailing line end is allowed, as nc-style clients may send one.
      alice.send("bob: with a newline\r\n");
      assertThat(bob.readLine()).isEqualTo("from alice: with a newline");
    }
  }

  @Test
  void loginRulesAndUniquenessHoldAcrossTheTwoDoors(Vertx vertx) {
    ChatServerFixture server = deploy(vertx, new JsonObject());
    try (LineClient alice = server.login("alice")) {
      alice.sync();
      try (WsClient second = WsClient.connect(vertx, server.webSocketUrl(), null)) {
        second.send("alice");
        assertThat(second.readUntilClosed()).containsExactly("error: login 'alice' is taken");
      }
      try (WsClient bad = WsClient.connect(vertx, server.webSocketUrl(), null)) {
        bad.send("a,b");
        assertThat(bad.readUntilClosed()).containsExactly(
          "error: login must not contain white space, ',', ':' or control characters");
      }
      try (WsClient bob = WsClient.login(vertx, server.webSocketUrl(), "bob")) {
        bob.sync();
        try (LineClient again = server.connect()) {
          again.send("bob");
          assertThat(again.readUntilClosed()).containsExactly("error: login 'bob' is taken");
        }
      }
    }
  }

  @Test
  void aFrameIsOneLineWhateverItsFragments(Vertx vertx) {
    ChatServerFixture server = deploy(vertx, new JsonObject());
    try (WsClient alice = WsClient.login(vertx, server.webSocketUrl(), "alice");
         LineClient bob = server.login("bob")) {
      alice.sendFrame(WebSocketFrame.textFrame("bob: in ", false))
        .sendFrame(WebSocketFrame.continuationFrame(Buffer.buffer("two parts"), true));
      assertThat(bob.readLine()).isEqualTo("from alice: in two parts");
      alice.send("bob: one\nfrom carol: forged");
      assertThat(bob.readLine()).isEqualTo("from alice: one");
      assertThat(alice.readLine()).startsWith("error: ");
      alice.sendBinary(Buffer.buffer("bob: binary"));
      assertThat(alice.readLine()).isEqualTo("error: line is not text (send text frames); it was dropped");
      alice.sendFrame(WebSocketFrame.textFrame("bob: ", false))
        .sendFrame(WebSocketFrame.continuationFrame(Buffer.buffer(new byte[] {(byte) 0xc3, 0x28}), true));
      assertThat(alice.readLine()).isEqualTo("error: line is not valid UTF-8; it was dropped");
      alice.send("bob: still here");
      assertThat(bob.readLine()).isEqualTo("from alice: still here");
    }
  }

  /**
   * A message may carry several lines, the login among them: each is a line, in order, as over
   * TCP; together they may pass maxLineLength as long as the message fits in a frame.
   */
  @Test
  void aMessageOfSeveralLinesIsThoseLines(Vertx vertx) {
    int maxLineLength = 200;
    ChatServerFixture server = deploy(vertx, new JsonObject().put("maxLineLength", maxLineLength));
    try (LineClient bob = server.login("bob");
         WsClient alice = WsClient.connect(vertx, server.webSocketUrl(), null)) {
      // The lines after the login wait while the broker decides on it.
      alice.send("alice\nbob: first\r\nbob: second\n\nbob: third");
      assertThat(bob.readLine()).isEqualTo("from alice: first");
      assertThat(bob.readLine()).isEqualTo("from alice: second");
      assertThat(bob.readLine()).isEqualTo("from alice: third");
      bob.send("alice: back");
      assertThat(alice.readLine()).isEqualTo("from bob: back");
      String text = "y".repeat(120);
      alice.send("bob: " + text + "\nbob: " + text + "\n");
      assertThat(bob.readLine()).isEqualTo("from alice: " + text);
      assertThat(bob.readLine()).isEqualTo("from alice: " + text);
      // One line in it too long: the lines before it are delivered, then the connection ends.
      alice.send("bob: before\nbob: " + "z".repeat(maxLineLength));
      assertThat(bob.readLine()).isEqualTo("from alice: before");
      assertThat(alice.readUntilClosed()).containsExactly("error: line longer than 200 bytes");
    }
  }

  /**
   * What the broker sends a WebSocket user in one turn leaves in as few text messages as fit a
   * frame, each of whole lines ending in '\n'.
   */
  @Test
  void linesForABrowserLeaveTogetherInWholeFrames(Vertx vertx) {
    int maxLineLength = 200;
    int maxLoginLength = 16;
    ChatServerFixture server = deploy(vertx, new JsonObject().put("maxLineLength", maxLineLength)
      .put("maxLoginLength", maxLoginLength));
    try (WsClient alice = WsClient.login(vertx, server.webSocketUrl(), "alice");
         LineClient bob = server.login("bob")) {
      bob.send("alice: ready");
      assertThat(alice.readLine()).isEqualTo("from bob: ready");
      StringBuilder burst = new StringBuilder();
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String text = i + " " + "x".repeat(120);
        burst.append("alice: ").append(text).append('\n');
        expected.add("from bob: " + text);
      }
      bob.sendRaw(burst.toString().getBytes(StandardCharsets.UTF_8));
      for (String line : expected) {
        assertThat(alice.readLine()).isEqualTo(line);
      }
      List<String> messages = alice.messages();
      int maxFrame = maxLineLength + 4 * maxLoginLength + 64;
      assertThat(messages).allSatisfy(m -> assertThat(m).endsWith("\n"))
        .allSatisfy(m -> assertThat(m.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(maxFrame));
      // 201 lines: in far fewer messages than lines, at most two of these lines fitting in one.
      assertThat(messages.size()).isLessThan(201);
      assertThat(messages).anySatisfy(m -> assertThat(m.chars().filter(c -> c == '\n').count()).isEqualTo(2));
    }
  }

  @Test
  void aFrameOverMaxLineLengthEndsTheConnection(Vertx vertx) {
    ChatServerFixture server = deploy(vertx, new JsonObject().put("maxLineLength", 1024));
    try (LineClient bob = server.login("bob")) {
      try (WsClient alice = WsClient.login(vertx, server.webSocketUrl(), "alice")) {
        alice.send("bob: " + "x".repeat(1019));
        assertThat(bob.readLine()).isEqualTo("from alice: " + "x".repeat(1019));
        alice.send("bob: " + "x".repeat(1020));
        assertThat(alice.readUntilClosed()).containsExactly("error: line longer than 1024 bytes");
      }
      bob.awaitGone("alice");
      // Far over the bound: the WebSocket layer refuses the frame before reading it and closes the
      // connection at once, with no room for the error line.
      try (WsClient carol = WsClient.login(vertx, server.webSocketUrl(), "carol")) {
        carol.send("bob: " + "x".repeat(100_000));
        assertThat(carol.readUntilClosed()).isEmpty();
      }
      bob.awaitGone("carol");
      bob.send("bob: still here");
      assertThat(bob.readLine()).isEqualTo("from bob: still here");
    }
  }

  /**
   * A message in fragments, each small, of lines each under maxLineLength, but longer together
   * than a frame (maxLineLength + 4 x maxLoginLength + 64): the error line, and none of its
   * lines delivered.
   */
  @Test
  void aMessageInFragmentsLongerThanAFrameEndsTheConnection(Vertx vertx) {
    ChatServerFixture server = deploy(vertx, new JsonObject().put("maxLineLength", 1024));
    int maxFrame = 1024 + 4 * 32 + 64;
    String seven = ("bob: " + "x".repeat(90) + "\n").repeat(7);
    try (LineClient bob = server.login("bob")) {
      try (WsClient alice = WsClient.login(vertx, server.webSocketUrl(), "alice")) {
        assertThat(2 * seven.length()).isGreaterThan(maxFrame);
        alice.sendFrame(WebSocketFrame.textFrame(seven, false))
          .sendFrame(WebSocketFrame.continuationFrame(Buffer.buffer(seven), true));
        assertThat(alice.readUntilClosed()).containsExactly("error: line longer than 1024 bytes");
      }
      bob.awaitGone("alice");
      bob.send("bob: nothing before this");
      assertThat(bob.readLine()).isEqualTo("from bob: nothing before this");
    }
  }

  @Test
  void onlyTheServersOwnPageOrAListedOneMayOpenAChat(Vertx vertx) throws Exception {
    ChatServerFixture server = deploy(vertx, new JsonObject());
    String url = server.webSocketUrl();
    String own = server.webUrl().replaceFirst("/$", "");
    assertThat(WsClient.refusal(vertx, url, "https://evil.example"))
      .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(403));
    assertThat(WsClient.refusal(vertx, url, "null")).isInstanceOf(UpgradeRejectedException.class);
    try (WsClient page = WsClient.connect(vertx, url, own); WsClient script = WsClient.connect(vertx, url, null)) {
      page.send("alice").named("alice").sync();
      script.send("bob").named("bob").sync();
    }
    assertThat(WsClient.refusal(vertx, url.replaceFirst("/ws$", "/other"), null))
      .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(404));

    vertx.undeploy(server.deploymentId()).await(30, TimeUnit.SECONDS);
    ChatServerFixture listed = deploy(vertx, new JsonObject().put("webOrigins", "https://chat.example.com"));
    assertThat(WsClient.refusal(vertx, listed.webSocketUrl(), listed.webUrl().replaceFirst("/$", "")))
      .isInstanceOf(UpgradeRejectedException.class);
    try (WsClient page = WsClient.connect(vertx, listed.webSocketUrl(), "https://chat.example.com")) {
      page.send("carol").named("carol").sync();
    }
  }

  /**
   * DNS rebinding: a hostile page on evil.example, whose name was made to point at this server,
   * asks for it with its own name as host and origin; it gets neither the page nor a chat.
   */
  @Test
  void aPageOnANameThatIsNotTheServersGetsNeitherThePageNorAChat(Vertx vertx) throws Exception {
    ChatServerFixture server = deploy(vertx, new JsonObject());
    int port = java.net.URI.create(server.webUrl()).getPort();
    String evil = "evil.example:" + port;
    assertThat(statusLine(port, "GET / HTTP/1.1\r\nHost: " + evil + "\r\n\r\n")).startsWith("HTTP/1.1 421");
    assertThat(statusLine(port, upgrade(evil, "http://" + evil))).startsWith("HTTP/1.1 421");
    // The server's own names, with the page's own origin, still get both.
    assertThat(statusLine(port, "GET / HTTP/1.1\r\nHost: localhost:" + port + "\r\n\r\n")).startsWith("HTTP/1.1 200");
    assertThat(statusLine(port, upgrade("127.0.0.1:" + port, "http://127.0.0.1:" + port))).startsWith("HTTP/1.1 101");
    assertThat(statusLine(port, upgrade("localhost:" + port, "http://localhost:" + port))).startsWith("HTTP/1.1 101");
    // A page of the server's own name cannot borrow another host.
    assertThat(statusLine(port, upgrade("127.0.0.1:" + port, "http://" + evil))).startsWith("HTTP/1.1 403");

    vertx.undeploy(server.deploymentId()).await(30, TimeUnit.SECONDS);
    ChatServerFixture named = deploy(vertx, new JsonObject().put("webHosts", "chat.example.com"));
    int namedPort = java.net.URI.create(named.webUrl()).getPort();
    String own = "chat.example.com:" + namedPort;
    assertThat(statusLine(namedPort, upgrade(own, "http://" + own))).startsWith("HTTP/1.1 101");
    assertThat(statusLine(namedPort, "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + namedPort + "\r\n\r\n"))
      .startsWith("HTTP/1.1 421");
  }

  private static String upgrade(String host, String origin) {
    return "GET /ws HTTP/1.1\r\nHost: " + host + "\r\nOrigin: " + origin + "\r\nUpgrade: websocket\r\n"
      + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  }

  /** Sends {@code request} to the web port as it is and reads the first line of the answer. */
  private static String statusLine(int port, String request) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
        java.nio.charset.StandardCharsets.US_ASCII)).readLine();
    }
  }

  @Test
  void maxConnectionsCountsBothDoors(Vertx vertx) {
    ChatServerFixture server = deploy(vertx, new JsonObject().put("maxConnections", 2));
    try (LineClient alice = server.login("alice"); WsClient bob = WsClient.login(vertx, server.webSocketUrl(), "bob")) {
      bob.sync();
      // A connection to the web port takes its place as it is accepted, before it could be told why.
      try (RawHttp carol = RawHttp.connect("127.0.0.1", java.net.URI.create(server.webUrl()).getPort())) {
        assertThat(carol.upgradeUntilClosed(10_000)).as("no WebSocket, not a word").isEmpty();
      }
      try (LineClient dave = server.connect()) {
        assertThat(dave.readUntilClosed()).containsExactly("error: server full");
      }
    }
  }

  @Test
  void aWebSocketRecipientThatDoesNotReadIsCutOffAndEveryoneElseGetsEverything(Vertx vertx) throws Exception {
    ChatServerFixture server = deploy(vertx, new JsonObject()); // maxQueuedBytes: 1 MiB
    try (LineClient alice = server.login("alice"); LineClient carol = server.login("carol");
         WsClient deaf = WsClient.connect(vertx, server.webSocketUrl(), null,
           new WebSocketClientOptions().setReceiveBufferSize(4096))) {
      deaf.send("deaf").named("deaf").sync();
      deaf.socket().pause();
      LimitsTest.deafIsCutOffWhileCarolGetsEverything(alice, carol, deaf, () -> deaf.socket().resume());
    }
  }

  @Test
  void undeployDeliversEveryAcceptedLineToWebSocketUsersThenCloses(Vertx vertx) throws Exception {
    ChatServerFixture server = deploy(vertx, new JsonObject().put("maxQueuedBytes", 64 << 20));
    int count = 3_000;
    String text = "x".repeat(1000);
    try (LineClient alice = server.login("alice"); WsClient bob = WsClient.login(vertx, server.webSocketUrl(), "bob")) {
      bob.sync();
      bob.socket().pause();
      for (int i = 0; i < count; i++) {
        alice.send("bob: " + i + " " + text);
      }
      alice.sync();
      Future<Void> undeployed = vertx.undeploy(server.deploymentId());
      bob.socket().resume();
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        expected.add("from alice: " + i + " " + text);
      }
      assertThat(bob.readUntilClosed()).containsExactlyElementsOf(expected);
      undeployed.await(30, TimeUnit.SECONDS);
    }
    assertThatThrownBy(() -> WsClient.connect(vertx, server.webSocketUrl(), null)).isInstanceOf(AssertionError.class);
  }

  @Test
  void thePageIsServedWithHeadersThatKeepItToItself(Vertx vertx) throws Exception {
    ChatServerFixture server = deploy(vertx, new JsonObject().put("maxLineLength", 1024));
    // A connection per request: on a kept-alive connection Vert.x 5.0.10's client now and then
    // loses a short body that came before body() was asked for (1 request in a few hundred;
    // curl and browsers get every one from the same server).
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    String base = server.webUrl();
    Response page = get(http, HttpMethod.GET, base);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).isEqualTo("text/html; charset=utf-8");
    assertThat(page.getHeader("Content-Security-Policy")).contains("default-src 'none'", "script-src 'self'",
      "connect-src 'self'", "frame-ancestors 'none'");
    assertThat(page.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(page.body()).contains("<script src=\"chat.js\"");
    assertThat(page.body()).contains("data-max-line-length=\"1024\"");
    assertThat(get(http, HttpMethod.GET, base + "favicon.ico").statusCode()).isEqualTo(204);
    assertThat(get(http, HttpMethod.GET, base + "chat.js").getHeader("Content-Type")).startsWith("text/javascript");
    assertThat(get(http, HttpMethod.GET, base + "chat.css").getHeader("Content-Type")).startsWith("text/css");
    assertThat(get(http, HttpMethod.GET, base + "../conf/a-chat.json").statusCode()).isEqualTo(404);
    assertThat(get(http, HttpMethod.GET, base + "secret").statusCode()).isEqualTo(404);
    assertThat(get(http, HttpMethod.POST, base).statusCode()).isEqualTo(405);
  }

  private record Response(int statusCode, io.vertx.core.MultiMap headers, String body) {
    String getHeader(String name) {
      return headers.get(name);
    }
  }

  private static Response get(HttpClient http, HttpMethod method, String url) throws Exception {
    return http.request(new RequestOptions().setMethod(method).setAbsoluteURI(url))
      .compose(request -> request.send())
      .compose(response -> response.body().map(body ->
        new Response(response.statusCode(), response.headers(), body.toString())))
      .await(20, TimeUnit.SECONDS);
  }

  @Test
  void withTlsThePageAndTheWebSocketAreServedOverTlsOnly(Vertx vertx) throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    ChatServerFixture server = deploy(vertx, new JsonObject()
      .put("tlsCertPath", certificate.certificatePath()).put("tlsKeyPath", certificate.privateKeyPath()));
    assertThat(server.webUrl()).startsWith("https://");
    PemTrustOptions trust = new PemTrustOptions().addCertPath(certificate.certificatePath());
    HttpClient https = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustOptions(trust)
      .setVerifyHost(false));
    assertThat(get(https, HttpMethod.GET, server.webUrl()).statusCode()).isEqualTo(200);
    HttpClient plain = vertx.createHttpClient();
    assertThatThrownBy(() -> get(plain, HttpMethod.GET, server.webUrl().replaceFirst("^https", "http")));
    try (WsClient alice = WsClient.connect(vertx, server.webSocketUrl(), null, new WebSocketClientOptions()
           .setSsl(true).setTrustOptions(trust).setVerifyHost(false))) {
      assertThat(server.webSocketUrl()).startsWith("wss://");
      alice.send("alice").named("alice").sync();
    }
    assertThatThrownBy(() -> WsClient.connect(vertx, server.webSocketUrl().replaceFirst("^wss", "ws"), null))
      .isInstanceOf(AssertionError.class);
  }

  @Test
  void whatAClientSentBeforeGoingAwayWithoutACloseFrameIsDelivered(Vertx vertx) {
    // A small window: the server stops reading alice again and again while she sends.
    ChatServerFixture server = deploy(vertx, new JsonObject().put("maxInFlightBytes", 1024));
    int count = 2_000;
    String text = "z".repeat(100);
    try (LineClient bob = server.login("bob")) {
      String[] lines = IntStream.range(0, count).mapToObj(i -> "bob: " + i + " " + text).toArray(String[]::new);
      try (RawWebSocket alice = RawWebSocket.connect(java.net.URI.create(server.webUrl()).getPort())) {
        alice.send("alice").send(lines);
      }
      for (int i = 0; i < count; i++) {
        assertThat(bob.readLine()).isEqualTo("from alice: " + i + " " + text);
      }
      bob.awaitGone("alice");
    }
  }
}
