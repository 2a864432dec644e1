package io.achat.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Which client addresses the per-address rules limit, and which proxies are believed. */
final class AddressPolicy {

  /** In {@code exemptAddresses} and {@code trustedProxies}: every loopback address (127.0.0.0/8, ::1). */
  static final String LOOPBACK = "loopback";

  private AddressPolicy() {
  }

  /**
   * Whether connections from {@code address} count against the per-address rules
   * ({@code maxConnectionsPerAddress}, {@code maxNewConnectionsPerAddress}): any of them is on and
   * the address is not one of {@code exemptAddresses}.
   */
  static boolean limits(ChatConfig config, InetAddress address) {
    return (config.maxConnectionsPerAddress() != 0 || config.maxNewConnectionsPerAddress() != 0)
      && !listed(config.exemptAddresses(), address);
  }

  /** Whether {@code address} is a proxy whose word on the client's address is believed ({@code trustedProxies}). */
  static boolean trusts(ChatConfig config, InetAddress address) {
    return listed(config.trustedProxies(), address);
  }

  private static boolean listed(List<String> addresses, InetAddress address) {
    for (String listed : addresses) {
      if (listed.equals(LOOPBACK) ? address.isLoopbackAddress() : sameAddress(listed, address)) {
        return true;
      }
    }
    return false;
  }

  private static boolean sameAddress(String literal, InetAddress address) {
    if (literal.equals(address.getHostAddress())) {
      return true;
    }
    try {
      return InetAddress.getByName(literal).equals(address); // a literal (checked at start): no lookup
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
