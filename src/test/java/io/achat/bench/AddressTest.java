package io.achat.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Addresses: HOST:PORT for TCP, ws://HOST:PORT/PATH for a WebSocket, and clear errors for anything else. */
class AddressTest {

  @Test
  void hostColonPortIsTcp() {
    Address address = Address.parse("127.0.0.1:8080");
    assertThat(address).isEqualTo(new Address("127.0.0.1", 8080));
    assertThat(address.webSocket()).isFalse();
    assertThat(address.path()).isNull();
    assertThat(address).hasToString("127.0.0.1:8080");
  }

  @Test
  void aWebSocketUrlKeepsItsPath() {
    Address address = Address.parse("ws://127.0.0.1:8081/chat/ws");
    assertThat(address).isEqualTo(new Address("127.0.0.1", 8081, "/chat/ws"));
    assertThat(address.webSocket()).isTrue();
    assertThat(address).hasToString("ws://127.0.0.1:8081/chat/ws");
    assertThat(Address.parse("ws://example.org:80/")).isEqualTo(new Address("example.org", 80, "/"));
    assertThat(Address.parse("ws://h:1/ws?room=a")).isEqualTo(new Address("h", 1, "/ws?room=a"));
  }

  @Test
  void withoutAPathItIsSlashWs() {
    Address address = Address.parse("ws://127.0.0.1:8081");
    assertThat(address).isEqualTo(new Address("127.0.0.1", 8081, "/ws"));
    assertThat(address).hasToString("ws://127.0.0.1:8081/ws");
  }

  @Test
  void theSchemeIsCaseInsensitive() {
    assertThat(Address.parse("WS://localhost:9/ws")).isEqualTo(new Address("localhost", 9, "/ws"));
  }

  @Test
  void anIpv6HostIsInBracketsInAUrl() {
    Address address = Address.parse("ws://[::1]:8081/ws");
    assertThat(address).isEqualTo(new Address("::1", 8081, "/ws"));
    assertThat(address).hasToString("ws://[::1]:8081/ws");
    assertThatThrownBy(() -> Address.parse("ws://::1:8081/ws"))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'ws://::1:8081/ws'");
  }

  @Test
  void aWebSocketUrlNeedsAPortThatExists() {
    for (String bad : new String[] {"ws://localhost", "ws://localhost/ws", "ws://localhost:/ws", "ws://localhost:0/ws",
      "ws://localhost:65536/ws", "ws://localhost:http/ws", "ws://:8081/ws", "ws://", "ws://localhost:80a"}) {
      assertThatThrownBy(() -> Address.parse(bad)).as(bad)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected HOST:PORT or ws://HOST:PORT/PATH, not '" + bad + "'");
    }
  }

  @Test
  void aPathHasNoSpaces() {
    assertThatThrownBy(() -> Address.parse("ws://localhost:80/a b"))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'ws://localhost:80/a b'");
  }

  @Test
  void otherSchemesAreRefusedByName() {
    assertThatThrownBy(() -> Address.parse("http://127.0.0.1:8081/ws"))
      .isInstanceOf(IllegalArgumentException.class)
      .hasMessage("unsupported scheme 'http://' in 'http://127.0.0.1:8081/ws': expected HOST:PORT or ws://HOST:PORT/PATH");
    assertThatThrownBy(() -> Address.parse("wss://127.0.0.1:8081/ws"))
      .isInstanceOf(IllegalArgumentException.class)
      .hasMessage("unsupported scheme 'wss://' in 'wss://127.0.0.1:8081/ws': "
        + "TLS is not supported, expected HOST:PORT or ws://HOST:PORT/PATH");
    assertThatThrownBy(() -> Address.parse("tcp://127.0.0.1:8080"))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unsupported scheme 'tcp://'");
  }
}
