package io.achat.server;

import io.achat.config.ChatConfig;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The address of the client behind a WebSocket, for the per-address limit and the log: the
 * connection's peer, unless that peer is one of {@code trustedProxies} and says who it forwards
 * for in {@code X-Forwarded-For}. Then it is the nearest address in that header that is not a
 * trusted proxy itself (read from the right, since each proxy appends the address it saw: the
 * entries left of the first untrusted one may be anything the client wrote). Pure logic: the
 * addresses are literals, never looked up.
 */
final class ClientAddress {

  private static final Pattern LITERAL = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

  private ClientAddress() {
  }

  /**
   * @param peer the connection's remote address
   * @param forwardedFor every {@code X-Forwarded-For} header of the request, in order
   */
  static SocketAddress of(SocketAddress peer, List<String> forwardedFor, ChatConfig config) {
    InetAddress from = literal(peer == null ? null : peer.hostAddress());
    if (from == null || !config.trustsProxy(from) || forwardedFor.isEmpty()) {
      return peer;
    }
    String[] hops = String.join(",", forwardedFor).split(",");
    InetAddress client = null;
    for (int i = hops.length - 1; i >= 0; i--) {
      InetAddress hop = literal(hops[i].trim());
      if (hop == null) {
        break; // not an address: what is left of it cannot be told from the client's own writing
      }
      client = hop;
      if (!config.trustsProxy(hop)) {
        break;
      }
    }
    return client == null ? peer : new Forwarded(client.getHostAddress(), peer);
  }

  /** Whether {@code peer}, a connection's own remote address, is one of {@code trustedProxies}. */
  static boolean fromTrustedProxy(SocketAddress peer, ChatConfig config) {
    InetAddress from = literal(peer == null ? null : peer.hostAddress());
    return from != null && config.trustsProxy(from);
  }

  private static InetAddress literal(String text) {
    if (text == null) {
      return null;
    }
    String address = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    if (!LITERAL.matcher(address).matches()) {
      return null;
    }
    try {
      return InetAddress.getByName(address);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** A client's address as a trusted proxy gave it, and the proxy's connection it came through. */
  record Forwarded(String hostAddress, SocketAddress via) implements SocketAddress {

    @Override
    public String host() {
      return hostAddress;
    }

    @Override
    public String hostName() {
      return null;
    }

    @Override
    public int port() {
      return 0;
    }

    @Override
    public String path() {
      return null;
    }

    @Override
    public boolean isInetSocket() {
      return true;
    }

    @Override
    public boolean isDomainSocket() {
      return false;
    }

    @Override
    public String toString() {
      return hostAddress + " (via " + via + ")";
    }
  }
}
