package io.achat.server;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The host names the web page and the WebSocket door answer to: those of {@code webHosts}, else
 * {@code localhost} and the addresses the server listens on (every address of the machine when it
 * listens on all). A request whose {@code Host} names another is refused, so that a page on a
 * name that was made to point at this server (DNS rebinding) reaches nothing. Read once at start;
 * no I/O afterwards.
 */
final class WebHosts {

  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

  private final Set<String> names;
  private final Set<InetAddress> addresses;

  private WebHosts(Set<String> names, Set<InetAddress> addresses) {
    this.names = names;
    this.addresses = addresses;
  }

  /**
   * The hosts of {@code webHosts}, or, when it is empty, {@code localhost} and the addresses of
   * {@code host} (every interface's when it is {@code 0.0.0.0} or {@code ::}).
   */
  static WebHosts of(List<String> webHosts, String host) {
    Set<String> names = new HashSet<>();
    Set<InetAddress> addresses = new HashSet<>();
    if (webHosts.isEmpty()) {
      names.add("localhost");
      addresses.addAll(listening(host));
    } else {
      for (String allowed : webHosts) {
        InetAddress literal = literal(allowed);
        if (literal != null) {
          addresses.add(literal);
        } else {
          names.add(name(allowed));
        }
      }
    }
    return new WebHosts(Set.copyOf(names), Set.copyOf(addresses));
  }

  /** Whether {@code hostHeader} ({@code name[:port]}, {@code [v6]:port}) names a host served here. */
  boolean allows(String hostHeader) {
    String host = hostOf(hostHeader);
    if (host == null) {
      return false;
    }
    InetAddress literal = literal(host);
    return literal != null ? addresses.contains(literal) : names.contains(name(host));
  }

  /** The names and addresses served, for the log. */
  @Override
  public String toString() {
    return Stream.concat(names.stream().sorted(),
      addresses.stream().map(WebHosts::format).sorted()).collect(Collectors.joining(", "));
  }

  /** {@code [v6]} or the dotted IPv4 address, as a browser writes it in a URL. */
  static String format(InetAddress address) {
    String text = address.getHostAddress();
    int zone = text.indexOf('%');
    if (zone >= 0) {
      text = text.substring(0, zone);
    }
    return address instanceof Inet6Address ? "[" + text + "]" : text;
  }

  /** The host part of a {@code Host} header or an origin's authority, or {@code null} if malformed. */
  static String hostOf(String authority) {
    if (authority == null || authority.isEmpty()) {
      return null;
    }
    if (authority.startsWith("[")) {
      int end = authority.indexOf(']');
      return end < 0 ? null : authority.substring(0, end + 1);
    }
    int colon = authority.indexOf(':');
    return colon < 0 ? authority : authority.substring(0, colon);
  }

  /** The address {@code host} is written as ({@code 1.2.3.4}, {@code [::1]}), or {@code null} for a name. */
  private static InetAddress literal(String host) {
    String text = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (!IPV4.matcher(text).matches() && !(host.startsWith("[") && text.matches("[0-9a-fA-F:.]+"))) {
      return null; // a name: never looked up
    }
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static String name(String host) {
    String lower = host.toLowerCase(Locale.ROOT);
    return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
  }

  private static Set<InetAddress> listening(String host) {
    Set<InetAddress> all = new HashSet<>();
    InetAddress bound = literal(host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host);
    if (bound != null && !bound.isAnyLocalAddress()) {
      all.add(bound);
      return all;
    }
    if (bound == null) { // a name: the addresses it has here
      try {
        all.addAll(List.of(InetAddress.getAllByName(host)));
      } catch (UnknownHostException e) {
        // then localhost only
      }
      return all;
    }
    try {
      NetworkInterface.networkInterfaces().forEach(nic -> nic.inetAddresses().forEach(address -> {
        if (address instanceof Inet6Address v6 && v6.getScopeId() != 0) {
          all.add(withoutScope(v6));
        } else {
          all.add(address);
        }
      }));
    } catch (SocketException e) {
      all.add(InetAddress.getLoopbackAddress());
    }
    return all;
  }

  private static InetAddress withoutScope(Inet6Address address) {
    try {
      return InetAddress.getByAddress(address.getAddress());
    } catch (UnknownHostException e) {
      return address;
    }
  }
}
