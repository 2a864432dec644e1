package io.achat.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.NetworkInterface;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The host names the web doors answer to, and the pages they take as their own: never what a
 * request's {@code Host} says, so that a name made to point at the server (DNS rebinding) gets
 * neither the page nor a chat.
 */
@Timeout(30)
class WebHostsTest {

  @Test
  void byDefaultLocalhostAndTheAddressListenedOn() {
    WebHosts hosts = WebHosts.of(List.of(), "127.0.0.1");
    for (String host : List.of("localhost:8000", "LOCALHOST", "localhost.", "127.0.0.1:8000", "127.0.0.1")) {
      assertThat(hosts.allows(host)).as(host).isTrue();
    }
    for (String host : List.of("evil.example:8000", "evil.example", "192.0.2.1", "[::1]:8000", "localhost.evil.example",
      "127.0.0.1.evil.example", "", ":8000")) {
      assertThat(hosts.allows(host)).as(host).isFalse();
    }
    assertThat(hosts.allows(null)).isFalse();
  }

  @Test
  void listeningOnEveryAddressEachAddressOfTheMachineIsAHost() throws Exception {
    WebHosts hosts = WebHosts.of(List.of(), "0.0.0.0");
    NetworkInterface.networkInterfaces().flatMap(NetworkInterface::inetAddresses).forEach(address ->
      assertThat(hosts.allows(WebHosts.format(address) + ":8000")).as(address.toString()).isTrue());
    assertThat(hosts.allows("[::1]:8000")).isEqualTo(NetworkInterface.networkInterfaces()
      .flatMap(NetworkInterface::inetAddresses).anyMatch(a -> a.isLoopbackAddress() && a.getAddress().length == 16));
    assertThat(hosts.allows("evil.example:8000")).isFalse();
  }

  @Test
  void listedHostsReplaceTheDefaults() {
    WebHosts hosts = WebHosts.of(List.of("chat.example.com", "192.0.2.7", "[2001:db8::7]"), "0.0.0.0");
    for (String host : List.of("chat.example.com:443", "Chat.Example.Com.", "192.0.2.7", "[2001:db8:0::7]:8000")) {
      assertThat(hosts.allows(host)).as(host).isTrue();
    }
    for (String host : List.of("localhost", "127.0.0.1", "evil.example", "example.com", "[2001:db8::8]")) {
      assertThat(hosts.allows(host)).as(host).isFalse();
    }
  }

  @Test
  void withoutListedOriginsOnlyPagesOfTheServersOwnSchemeHostsAndPortOpenAChat() {
    Origins origins = new Origins(List.of(), WebHosts.of(List.of(), "127.0.0.1"), "http", 8000);
    for (String origin : List.of("http://localhost:8000", "http://127.0.0.1:8000", "HTTP://LocalHost:8000")) {
      assertThat(origins.allows(origin, null)).as(origin).isTrue();
    }
    for (String origin : List.of("http://evil.example:8000", "https://localhost:8000", "http://localhost:8001",
      "http://localhost", "null", "http://localhost:8000/", "http://localhost:8000.evil.example")) {
      assertThat(origins.allows(origin, null)).as(origin).isFalse();
    }
    assertThat(origins.allows(null, null)).as("no Origin: not a browser").isTrue();
    // Behind a port mapping (or a proxy) the browser's port is the one its Host names.
    assertThat(origins.allows("http://localhost:8081", "localhost:8081")).isTrue();
    assertThat(origins.allows("http://localhost:8081", "localhost:8082")).isFalse();
    assertThat(origins.allows("http://evil.example:8081", "evil.example:8081")).as("never a name of the request's")
      .isFalse();
    Origins onDefaultPort = new Origins(List.of(), WebHosts.of(List.of("chat.example.com"), "0.0.0.0"), "https", 443);
    assertThat(onDefaultPort.allows("https://chat.example.com", null)).isTrue();
    assertThat(onDefaultPort.allows("https://chat.example.com:443", null)).isTrue();
    assertThat(onDefaultPort.allows("http://chat.example.com", null)).isFalse();
  }

  @Test
  void listedOriginsAreTheOnlyOnes() {
    Origins origins = new Origins(List.of("https://chat.example.com"), WebHosts.of(List.of(), "127.0.0.1"), "http", 8000);
    assertThat(origins.allows("https://chat.example.com", null)).isTrue();
    assertThat(origins.allows("http://localhost:8000", "localhost:8000")).isFalse();
    assertThat(new Origins(List.of("*"), WebHosts.of(List.of(), "127.0.0.1"), "http", 8000).allows("http://evil.example", null))
      .isTrue();
  }
}
