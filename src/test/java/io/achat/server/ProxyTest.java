package io.achat.server;

import io.achat.config.ChatConfig;
import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.achat.support.RawHttp;
import io.achat.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Behind a proxy, the client's address comes from the proxy: the PROXY protocol on the chat port
 * and X-Forwarded-For on the web port, each believed only from trustedProxies. The per-address
 * limit (one here, loopback not exempt) then counts clients, not the proxy.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ProxyTest {

  private static final String TOO_MANY = "error: too many connections from your address";

  private static JsonObject onePerAddress() {
    return new JsonObject().put("maxConnectionsPerAddress", 1).put("exemptAddresses", "").put("webPort", -1);
  }

  @Test
  void theProxyProtocolNamesEachClientBehindTheProxy(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, onePerAddress()
      .put("proxyProtocol", true).put("trustedProxies", "loopback"));
    try (LineClient alice = proxied(server, "203.0.113.1"); LineClient bob = proxied(server, "203.0.113.2")) {
      alice.send("alice").named("alice").sync();
      bob.send("bob").named("bob").sync();
      alice.send("bob: through the proxy");
      assertThat(bob.readLine()).isEqualTo("from alice: through the proxy");
      try (LineClient again = proxied(server, "203.0.113.1")) {
        assertThat(again.readUntilClosed()).containsExactly(TOO_MANY);
      }
    }
  }

  @Test
  void twoIpv6ClientsOfOneSlash64AreOneAddressToThePerAddressRules(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, onePerAddress()
      .put("proxyProtocol", true).put("trustedProxies", "loopback"));
    try (LineClient alice = proxied6(server, "2001:db8:1:2::1"); LineClient bob = proxied6(server, "2001:db8:1:3::1")) {
      alice.send("alice").named("alice").sync();
      bob.send("bob").named("bob").sync();
      // Another host of alice's /64: the same subscriber, who has its one connection.
      try (LineClient neighbour = proxied6(server, "2001:db8:1:2:ffff::9")) {
        assertThat(neighbour.readUntilClosed()).containsExactly(TOO_MANY);
      }
    }
  }

  /** Like {@link #proxied}, for an IPv6 client. */
  private static LineClient proxied6(ChatServerFixture server, String client) {
    LineClient connection = server.connect();
    connection.send("PROXY TCP6 " + client + " ::1 40000 " + server.port() + "\r");
    return connection;
  }

  @Test
  void aProxyHeaderFromAPeerThatIsNotATrustedProxyIsRefused(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, onePerAddress()
      .put("proxyProtocol", true).put("trustedProxies", "192.0.2.1"));
    // The header and a login in one write: the server closes on the header, without a word.
    try (LineClient spoofer = server.connect()) {
      spoofer.sendRaw(("PROXY TCP4 203.0.113.1 127.0.0.1 40000 " + server.port() + "\r\nmallory\nmallory: hello\n")
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      assertThat(spoofer.readUntilClosed()).isEmpty();
    }
  }

  @Test
  void xForwardedForNamesEachWebSocketClientBehindATrustedProxy(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, onePerAddress().put("trustedProxies", "127.0.0.1"));
    try (WsClient alice = forwarded(vertx, server, "198.51.100.9, 203.0.113.1");
         WsClient bob = forwarded(vertx, server, "198.51.100.9, 203.0.113.2")) {
      alice.send("alice").named("alice").sync();
      bob.send("bob").named("bob").sync();
      try (WsClient again = forwarded(vertx, server, "203.0.113.1")) {
        assertThat(again.readUntilClosed()).containsExactly(TOO_MANY);
      }
    }
  }

  @Test
  void xForwardedForFromAPeerThatIsNotATrustedProxyIsIgnored(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, onePerAddress());
    try (WsClient alice = forwarded(vertx, server, "203.0.113.1")) {
      alice.send("alice").named("alice").sync();
      // Another claimed address, the same connection's peer: 127.0.0.1 has its one connection, and
      // the next is closed as it is accepted, before its request.
      try (RawHttp spoofer = RawHttp.connect("127.0.0.1", java.net.URI.create(server.webUrl()).getPort())) {
        assertThat(spoofer.upgradeUntilClosed(10_000)).isEmpty();
      }
    }
  }

  @Test
  void theClientIsTheNearestAddressThatIsNotATrustedProxy() {
    ChatConfig config = ChatConfig.fromJson(ChatConfig.defaults().put("trustedProxies", "127.0.0.1,10.0.0.5"));
    SocketAddress proxy = SocketAddress.inetSocketAddress(40000, "127.0.0.1");
    assertThat(client(proxy, List.of("203.0.113.1"), config)).isEqualTo("203.0.113.1");
    assertThat(client(proxy, List.of("198.51.100.9, 203.0.113.1"), config)).as("what the client wrote is left of it")
      .isEqualTo("203.0.113.1");
    assertThat(client(proxy, List.of("203.0.113.1, 10.0.0.5"), config)).as("through two proxies").isEqualTo("203.0.113.1");
    assertThat(client(proxy, List.of("198.51.100.9", "203.0.113.1"), config)).as("two headers").isEqualTo("203.0.113.1");
    assertThat(client(proxy, List.of("203.0.113.1, unknown"), config)).as("not an address").isEqualTo("127.0.0.1");
    assertThat(client(proxy, List.of("[2001:db8::1]"), config)).isEqualTo("2001:db8:0:0:0:0:0:1");
    assertThat(client(proxy, List.of(), config)).isEqualTo("127.0.0.1");
    SocketAddress stranger = SocketAddress.inetSocketAddress(40000, "192.0.2.44");
    assertThat(client(stranger, List.of("203.0.113.1"), config)).as("not a trusted proxy").isEqualTo("192.0.2.44");
    assertThat(ClientAddress.of(proxy, List.of("203.0.113.1"), config).toString())
      .isEqualTo("203.0.113.1 (via 127.0.0.1:40000)");
  }

  private static String client(SocketAddress peer, List<String> forwardedFor, ChatConfig config) {
    return ClientAddress.of(peer, forwardedFor, config).hostAddress();
  }

  /** A connection that starts, as a proxy's would, with a PROXY header naming {@code client}. */
  private static LineClient proxied(ChatServerFixture server, String client) {
    LineClient connection = server.connect();
    connection.send("PROXY TCP4 " + client + " 127.0.0.1 40000 " + server.port() + "\r");
    return connection;
  }

  private static WsClient forwarded(Vertx vertx, ChatServerFixture server, String forwardedFor) {
    return WsClient.connectWithHeaders(vertx, server.webSocketUrl(), Map.of("X-Forwarded-For", forwardedFor));
  }
}
